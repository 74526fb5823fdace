//! The fake's state: the app's credentials, workspaces with users, channels
//! and messages, issued tokens and codes, injected faults, rate-limit
//! windows, and the record of every call.
//!
//! Sources in comments: `methods/<name>` is
//! `https://docs.slack.dev/reference/methods/<name>`, `events/…` and
//! `objects/…` likewise under `reference/`; other short paths are under
//! <https://docs.slack.dev/>. docs/slack-behaviours.md gathers the facts.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The Slack app the fake plays the platform for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppConfig {
    pub app_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// Issue expiring tokens with refresh tokens (`token_rotation_enabled`;
    /// docs.slack.dev/authentication/using-token-rotation).
    #[serde(default)]
    pub token_rotation: bool,
    /// How the app is distributed, which sets its history limits.
    #[serde(default)]
    pub distribution: Distribution,
    /// The Redirect URLs registered under OAuth & Permissions; empty allows
    /// any `redirect_uri` (see `oidc::redirect_allowed`; the rule is
    /// docs.slack.dev/authentication/installing-with-oauth's).
    #[serde(default)]
    pub redirect_urls: Vec<String>,
    /// The manifest's `settings.org_deploy_enabled`: "whether or not
    /// organization-wide deployment is enabled" (node-slack-sdk's manifest
    /// types; "Org Level Apps → Opt-in" in the app's settings,
    /// api.slack.com/enterprise/migration). Without it no org-wide install.
    #[serde(default)]
    pub org_deploy_enabled: bool,
}

/// How an app reaches workspaces. Since 2025-05-29 (existing installs from
/// 2026-03-03), `conversations.history` and `conversations.replies` allow
/// a commercially distributed app outside the Marketplace 1 request a
/// minute and 15 messages a request; Marketplace and internal
/// customer-built apps keep Tier 3
/// (docs.slack.dev/reference/methods/conversations.history,
/// …/conversations.replies; changelog 2025/05/29
/// rate-limit-changes-for-non-marketplace-apps).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Installed into other organisations' workspaces, not listed in the
    /// Marketplace: what hallway is when operators share it.
    #[default]
    Commercial,
    /// Used only inside its own organisation.
    Internal,
    Marketplace,
}

impl Distribution {
    /// Largest (and default) `limit` of the history methods. Otherwise 999,
    /// conversations.history's "Maximum of 999"; the documented defaults
    /// (100; replies 1000) are not modelled.
    pub fn history_page(self) -> usize {
        match self {
            Distribution::Commercial => 15,
            _ => 999,
        }
    }
}

// Test fixture, not Slack behaviour.
impl Default for AppConfig {
    fn default() -> Self {
        Self {
            app_id: "A0HALLWAY".into(),
            client_id: "1111111111.2222222222".into(),
            client_secret: "fake-client-secret".into(),
            token_rotation: false,
            distribution: Distribution::default(),
            redirect_urls: Vec::new(),
            org_deploy_enabled: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserSeed {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub real_name: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default = "default_tz")]
    pub tz: String,
    /// A profile with only what Slack always sends: no names, no images,
    /// no e-mail (the user object reference marks the rest optional, and
    /// real payloads leave them out). Sparser than users.info promises:
    /// "Only the `image_*` fields are guaranteed to be included".
    #[serde(default)]
    pub sparse: bool,
    /// Someone of another organisation, met in a Slack Connect channel:
    /// their own team id (`team_id` in their user object differs from the
    /// workspace's, and `is_stranger` is set; docs.slack.dev/apis/slack-connect).
    #[serde(default)]
    pub external_team: Option<String>,
    /// When the profile last changed (`updated`, seconds; the user object's
    /// field, docs.slack.dev/reference/objects/user-object).
    #[serde(default = "default_updated")]
    pub updated: i64,
    /// The person's locale, an IETF language tag (`locale` in the user
    /// object, sent only "with `include_locale` set to `true`",
    /// methods/users.info, methods/users.list); `en-US` unless set.
    #[serde(default = "default_locale")]
    pub locale: String,
}

fn default_locale() -> String {
    "en-US".into()
}

fn default_tz() -> String {
    "Europe/Berlin".into()
}

fn default_updated() -> i64 {
    1_700_000_000
}

impl UserSeed {
    /// A test fixture, not Slack behaviour.
    pub fn person(id: &str, name: &str) -> Self {
        let real = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
        Self {
            id: id.into(),
            name: name.into(),
            real_name: real.clone(),
            display_name: real,
            email: Some(format!("{name}@example.com")),
            is_bot: false,
            deleted: false,
            is_admin: false,
            tz: default_tz(),
            sparse: false,
            external_team: None,
            updated: default_updated(),
            locale: default_locale(),
        }
    }

    /// The user as Slack's `users.*` methods return it
    /// (docs.slack.dev/reference/objects/user-object). `app_user`: whether
    /// they hold a user token of this app — Slack's `is_app_user` means "an
    /// authorized user of the calling app", not a bot.
    pub fn to_json(&self, team: &str, app_user: bool) -> Value {
        let home = self.external_team.as_deref().unwrap_or(team);
        let mut profile = json!({ "team": home });
        if !self.sparse {
            profile = json!({
                "real_name": self.real_name,
                "display_name": self.display_name,
                "real_name_normalized": self.real_name,
                "display_name_normalized": self.display_name,
                "image_48": format!("https://avatars.example.com/{}_48.png", self.id),
                "image_192": format!("https://avatars.example.com/{}_192.png", self.id),
                "team": home,
            });
            if let Some(email) = &self.email {
                profile["email"] = json!(email);
            }
        }
        let mut user = json!({
            "id": self.id,
            "team_id": home,
            "name": self.name,
            "deleted": self.deleted,
            "profile": profile,
            "is_bot": self.is_bot,
            "is_app_user": app_user,
            "updated": self.updated,
        });
        if !self.sparse {
            user["real_name"] = json!(self.real_name);
            user["tz"] = json!(self.tz);
            // Fixture values for every non-sparse user (the fake's own).
            user["tz_label"] = json!("Central European Time");
            user["tz_offset"] = json!(3600);
            user["is_admin"] = json!(self.is_admin);
            user["is_owner"] = json!(false);
        }
        if self.external_team.is_some() {
            user["is_stranger"] = json!(true);
        }
        user
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelSeed {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub is_private: bool,
    /// A group DM (`mpdm-…`; its id may start with `G` or `C`: one report
    /// of `C`, Slack's examples show `G`; docs/slack-behaviours.md §9).
    #[serde(default)]
    pub is_mpim: bool,
    /// Shared with another organisation (Slack Connect;
    /// docs.slack.dev/apis/slack-connect).
    #[serde(default)]
    pub is_ext_shared: bool,
    #[serde(default)]
    pub members: Vec<String>,
    /// Archived from the start (`is_archived` in the conversation object,
    /// docs.slack.dev/reference/objects/conversation-object).
    #[serde(default)]
    pub is_archived: bool,
}

impl ChannelSeed {
    pub fn public(id: &str, name: &str, members: Vec<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            is_private: false,
            is_mpim: false,
            is_ext_shared: false,
            members,
            is_archived: false,
        }
    }

    /// A private channel (a test fixture, not Slack behaviour).
    pub fn private(id: &str, name: &str, members: Vec<String>) -> Self {
        Self {
            is_private: true,
            ..Self::public(id, name, members)
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamSeed {
    pub id: String,
    pub name: String,
    pub domain: String,
    /// The Enterprise Grid organisation the workspace belongs to
    /// (see [`Enterprise`]).
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// The app's bot user in this workspace (oauth.v2.access's `bot_user_id`).
    pub bot_user_id: String,
    pub users: Vec<UserSeed>,
    #[serde(default)]
    pub channels: Vec<ChannelSeed>,
}

impl TeamSeed {
    /// A workspace with `n` people (`U0000001`…) plus the bot, and a
    /// `#general` channel holding everyone. A test fixture, not Slack behaviour.
    pub fn with_people(id: &str, name: &str, n: usize) -> Self {
        let mut users: Vec<UserSeed> = (1..=n)
            .map(|i| UserSeed::person(&format!("U{i:07}"), &format!("person{i}")))
            .collect();
        if let Some(first) = users.first_mut() {
            first.is_admin = true;
        }
        let bot = format!("UB{}", id.trim_start_matches('T'));
        let mut bot_user = UserSeed::person(&bot, "hallway");
        bot_user.is_bot = true;
        bot_user.email = None;
        let members = users.iter().map(|u| u.id.clone()).collect();
        users.push(bot_user);
        Self {
            id: id.into(),
            name: name.into(),
            domain: name.to_lowercase().replace(' ', "-"),
            enterprise_id: None,
            bot_user_id: bot,
            users,
            channels: vec![ChannelSeed::public(
                &format!("C{}GEN", id.trim_start_matches('T')),
                "general",
                members,
            )],
        }
    }

    /// The workspace `hallway-local serve --slack fake` starts with (a
    /// fixture, not Slack behaviour).
    pub fn demo() -> Self {
        let names = ["alice", "bob", "carol", "dave", "erin", "frank"];
        let mut users: Vec<UserSeed> = names
            .iter()
            .enumerate()
            .map(|(i, n)| UserSeed::person(&format!("U0DEMO{:02}", i + 1), n))
            .collect();
        users[0].is_admin = true;
        let mut bot = UserSeed::person("U0DEMOBOT", "hallway");
        bot.is_bot = true;
        bot.email = None;
        let everyone: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
        users.push(bot);
        Self {
            id: "T0DEMO".into(),
            name: "Acme".into(),
            domain: "acme".into(),
            enterprise_id: None,
            bot_user_id: "U0DEMOBOT".into(),
            users,
            channels: vec![
                ChannelSeed::public("C0GENERAL", "general", everyone.clone()),
                ChannelSeed::public("C0DESIGN", "design", everyone[..3].to_vec()),
            ],
        }
    }
}

/// An Enterprise Grid organisation: "An enterprise_id is constant and
/// unique" (api.slack.com/enterprise/grid/developing); its workspaces name
/// it in `TeamSeed::enterprise_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enterprise {
    pub id: String,
    pub name: String,
    /// The organisation's own Slack domain (`{domain}.enterprise.slack.com`,
    /// the fake's form of the enterprise URL `auth.test` gives an org token).
    #[serde(default)]
    pub domain: String,
}

impl Enterprise {
    pub fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            domain: name.to_lowercase().replace(' ', "-"),
        }
    }
}

/// An org-wide installation of the app (Enterprise Grid): one set of
/// tokens for the organisation, that reaches only the workspaces an admin
/// granted it. "When an Org Admin installs your app across the entire
/// organization, it is not added to any workspaces … The Org Admin must do
/// this later" (api.slack.com/enterprise/apps/changes-install).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrgInstall {
    pub installed: bool,
    /// The workspaces the app was added to (`team_access_granted`).
    pub granted: Vec<String>,
}

impl TeamSeed {
    /// An Enterprise Grid organisation with two workspaces (a test
    /// fixture, not Slack behaviour): E0GRID "Globex" with T0GRIDA "Globex
    /// Sales" and T0GRIDB "Globex Support". People have global `W…` ids,
    /// "Treat these user IDs just as you would those beginning with U"
    /// (changelog 2016-08-11-user-id-format-changes), one id per person
    /// across the organisation ("a cross-referenced entity you can recognize
    /// consistently across workspaces", api.slack.com/enterprise/grid/developing):
    /// W0GRID01 (hank, an admin, in both workspaces), W0GRID02 (ivy, Sales),
    /// W0GRID03 (jack, Support). The app's bot user is one `W…` user of the
    /// organisation, the same in both (oauth.v2.access's org-install
    /// example answers one `bot_user_id: "W0XXXX"`,
    /// api.slack.com/enterprise/apps/reference). Channels: `#sales`
    /// (C0GRIDSALES: hank, ivy) and `#help` (C0GRIDHELP: hank, jack), without
    /// the bot.
    pub fn grid_pair() -> (Enterprise, TeamSeed, TeamSeed) {
        let org = Enterprise::new("E0GRID", "Globex");
        let mut hank = UserSeed::person("W0GRID01", "hank");
        hank.is_admin = true;
        let ivy = UserSeed::person("W0GRID02", "ivy");
        let jack = UserSeed::person("W0GRID03", "jack");
        let mut bot = UserSeed::person("W0GRIDBOT", "hallway");
        bot.is_bot = true;
        bot.email = None;
        let team = |id: &str, name: &str, people: Vec<UserSeed>, channel: ChannelSeed| {
            let mut users = people;
            users.push(bot.clone());
            TeamSeed {
                id: id.into(),
                name: name.into(),
                domain: name.to_lowercase().replace(' ', "-"),
                enterprise_id: Some(org.id.clone()),
                bot_user_id: bot.id.clone(),
                users,
                channels: vec![channel],
            }
        };
        let sales = team(
            "T0GRIDA",
            "Globex Sales",
            vec![hank.clone(), ivy.clone()],
            ChannelSeed::public(
                "C0GRIDSALES",
                "sales",
                vec![hank.id.clone(), ivy.id.clone()],
            ),
        );
        let support = team(
            "T0GRIDB",
            "Globex Support",
            vec![hank.clone(), jack.clone()],
            ChannelSeed::public("C0GRIDHELP", "help", vec![hank.id.clone(), jack.id.clone()]),
        );
        (org, sales, support)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    pub ts: String,
    pub user: String,
    pub text: String,
    pub blocks: Option<Value>,
    pub thread_ts: Option<String>,
    /// Set for ephemeral messages: only this user saw it. Slack keeps none:
    /// chat.postEphemeral's `message_ts` "does not represent an actual
    /// message written to the database"; the fake keeps it for tests.
    pub ephemeral_to: Option<String>,
    /// `file_share`, `thread_broadcast`, … (`None`: a plain message).
    #[serde(default)]
    pub subtype: Option<String>,
    /// File objects shared with the message.
    #[serde(default)]
    pub files: Vec<Value>,
    /// Posted by a bot token (`bot_id` in the message, as in
    /// chat.postMessage's response example; the `B…` id is the fake's own).
    #[serde(default)]
    pub bot: bool,
    /// Unfurls the app attached (`chat.unfurl`;
    /// docs.slack.dev/reference/methods/chat.unfurl).
    #[serde(default)]
    pub attachments: Vec<Value>,
    /// A bot's customized identity for this message: `username`,
    /// `icon_url`, `icon_emoji` of methods/chat.postMessage, kept only when
    /// the bot token has `chat:write.customize` (see `api::post_message`).
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub icon_url: Option<String>,
    #[serde(default)]
    pub icon_emoji: Option<String>,
}

impl Message {
    pub fn new(ts: &str, user: &str, text: &str) -> Self {
        Self {
            ts: ts.into(),
            user: user.into(),
            text: text.into(),
            blocks: None,
            thread_ts: None,
            ephemeral_to: None,
            subtype: None,
            files: Vec::new(),
            bot: false,
            attachments: Vec::new(),
            username: None,
            icon_url: None,
            icon_emoji: None,
        }
    }

    /// Whether a bot posted it under a customized name or icon.
    pub fn customized(&self) -> bool {
        self.bot
            && (self.username.is_some() || self.icon_url.is_some() || self.icon_emoji.is_some())
    }

    /// The message as `conversations.history` and events carry it: the
    /// fields of conversations.history's example; `files` with
    /// `upload: true` as events/message/file_share shows them.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"type": "message", "user": self.user, "text": self.text, "ts": self.ts});
        if let Some(b) = &self.blocks {
            v["blocks"] = b.clone();
        }
        if let Some(t) = &self.thread_ts {
            v["thread_ts"] = json!(t);
        }
        if let Some(st) = &self.subtype {
            v["subtype"] = json!(st);
        }
        if !self.files.is_empty() {
            v["files"] = json!(self.files);
            v["upload"] = json!(true);
        }
        if self.bot {
            v["bot_id"] = json!(bot_id(&self.user));
        }
        if !self.attachments.is_empty() {
            v["attachments"] = json!(self.attachments);
        }
        // A customized bot identity: a `bot_message` with `bot_id`,
        // `username` and `icons` and no `user` ("It is like a normal user
        // message, except it has no associated user… Some bot_messages also
        // include username and/or icons properties. If present these
        // override the default username or icon for this bot",
        // events/message/bot_message; chat.postMessage's response example
        // has `"subtype": "bot_message"` with `username`). `icon_emoji`
        // "Overrides `icon_url`" (methods/chat.postMessage). The icon's
        // shape, `{"emoji": …}` or `image_36/48/72`, is that of captured
        // payloads (the fake's reading; docs show only `"icons": {}`).
        if self.customized() {
            if let Some(obj) = v.as_object_mut() {
                obj.remove("user");
            }
            if self.subtype.is_none() {
                v["subtype"] = json!("bot_message");
            }
            if let Some(name) = &self.username {
                v["username"] = json!(name);
            }
            if let Some(emoji) = &self.icon_emoji {
                v["icons"] = json!({ "emoji": emoji });
            } else if let Some(url) = &self.icon_url {
                v["icons"] = json!({ "image_36": url, "image_48": url, "image_72": url });
            }
        }
        v
    }
}

/// The `B…` bot id of a bot user (the fake's own mapping: `B` and the user
/// id without its `U`/`W`).
pub fn bot_id(bot_user: &str) -> String {
    format!("B{}", bot_user.trim_start_matches(['U', 'W']))
}

/// A file someone shared (files.info's `file`).
#[derive(Debug, Clone)]
pub struct SharedFile {
    pub id: String,
    pub team: String,
    pub user: String,
    pub name: String,
    pub title: String,
    pub mimetype: String,
    /// Channels it was shared in.
    pub channels: Vec<String>,
}

impl SharedFile {
    /// The file object (docs.slack.dev/reference/methods/files.info); the
    /// URLs, sizes and times are the fake's own.
    pub fn to_json(&self, domain: &str) -> Value {
        json!({
            "id": self.id, "created": 1_700_000_000, "timestamp": 1_700_000_000,
            "name": self.name, "title": self.title, "mimetype": self.mimetype,
            "filetype": self.name.rsplit('.').next().unwrap_or("binary"),
            "pretty_type": self.mimetype, "user": self.user, "size": 1024,
            "mode": "hosted", "is_external": false, "is_public": false,
            "url_private": format!("https://files.slack.com/files-pri/{}-{}/{}", self.team, self.id, self.name),
            "url_private_download": format!("https://files.slack.com/files-pri/{}-{}/download/{}", self.team, self.id, self.name),
            "permalink": format!("https://{domain}.slack.com/files/{}/{}/{}", self.user, self.id, self.name),
            "permalink_public": format!("https://slack-files.com/{}-{}", self.team, self.id),
            "has_rich_preview": false,
        })
    }

    /// What a Slack Connect event carries instead of the file: "the payload
    /// will contain a file object with the key-value pair `"file_access":
    /// "check_file_info"`" (docs.slack.dev/reference/events/message/file_share):
    /// call `files.info` for the rest.
    pub fn stub(&self) -> Value {
        json!({"id": self.id, "mode": "file_access", "file_access": "check_file_info",
               "created": 0, "timestamp": 0, "user": ""})
    }
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub is_private: bool,
    pub is_im: bool,
    pub is_mpim: bool,
    pub is_ext_shared: bool,
    /// For DMs: the other party.
    pub im_user: Option<String>,
    pub members: Vec<String>,
    pub messages: Vec<Message>,
    /// A fixed fixture time (the fake's own).
    pub created: i64,
    /// Archived: read-only, `is_archived` to those who post or join
    /// (methods/chat.postMessage, methods/conversations.join).
    pub is_archived: bool,
}

/// How many repliers a thread parent lists in `reply_users`: the fake's
/// reading (the message object gives the field no bound; clients show a
/// handful of faces). `reply_users_count` counts them all.
pub const REPLY_USERS_SHOWN: usize = 5;

impl Channel {
    /// A message of this conversation as `conversations.history` and
    /// `conversations.replies` show it, with its place in a thread
    /// (methods/conversations.replies, the response example: the parent
    /// carries `thread_ts` equal to its `ts` and `reply_count`, each reply
    /// `thread_ts` and `parent_user_id`).
    /// A parent also carries `reply_users` (distinct ids), `reply_users_count`
    /// and `latest_reply`, fields of Slack's message object (`objs_message`
    /// in slackapi/slack-api-specs' web-api/slack_web_openapi_v2.json);
    /// `reply_users` in order of first reply, at most [`REPLY_USERS_SHOWN`]
    /// (both the fake's reading). Ephemeral replies are not part of the thread
    /// (Slack stores none). `subscribed`, `last_read` and `unread_count`
    /// (a user token's view of the thread) are not modelled.
    pub fn message_json(&self, m: &Message) -> Value {
        let mut v = m.to_json();
        match m.thread_ts.as_deref() {
            Some(parent) if parent != m.ts => {
                if let Some(p) = self.messages.iter().find(|p| p.ts == parent) {
                    v["parent_user_id"] = json!(p.user);
                }
            }
            _ => {
                let replies: Vec<&Message> = self
                    .messages
                    .iter()
                    .filter(|r| r.ephemeral_to.is_none() && r.ts != m.ts)
                    .filter(|r| r.thread_ts.as_deref() == Some(m.ts.as_str()))
                    .collect();
                let Some(latest) = replies.iter().map(|r| r.ts.as_str()).max() else {
                    return v;
                };
                let mut users: Vec<&str> = Vec::new();
                for r in &replies {
                    if !users.contains(&r.user.as_str()) {
                        users.push(&r.user);
                    }
                }
                v["thread_ts"] = json!(m.ts);
                v["reply_count"] = json!(replies.len());
                v["reply_users_count"] = json!(users.len());
                v["latest_reply"] = json!(latest);
                users.truncate(REPLY_USERS_SHOWN);
                v["reply_users"] = json!(users);
            }
        }
        v
    }
}

/// The key of the DM between two users, whichever opened it: one DM a
/// pair, as conversations.open returns "the already existing conversation".
pub fn im_key(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}|{b}")
    } else {
        format!("{b}|{a}")
    }
}

/// Where the fake delivers Events API callbacks, and the secret it signs
/// them with (the app's signing secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsTarget {
    pub url: String,
    pub signing_secret: String,
    /// The app's unfurl domains (`link_shared` for links to these); by
    /// default the request URL's host, as the manifest has it. Slack sends
    /// `link_shared` for a link "matching the registered URL domain"
    /// (docs.slack.dev/reference/events/link_shared); the default is the fake's.
    #[serde(default)]
    pub unfurl_domains: Vec<String>,
}

impl EventsTarget {
    pub fn new(url: &str, signing_secret: &str) -> Self {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned));
        Self {
            url: url.to_owned(),
            signing_secret: signing_secret.to_owned(),
            unfurl_domains: host.into_iter().collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Team {
    pub seed: TeamSeed,
    pub channels: BTreeMap<String, Channel>,
    /// DM channel id by the pair of people in it ([`im_key`]).
    pub dms: HashMap<String, String>,
    pub unfurls: Vec<Value>,
    /// `unfurl_id`s handed out with `link_shared`; `chat.unfurl` takes only these
    /// (its `unfurl_id` "of the link to unfurl", methods/chat.unfurl).
    pub unfurl_ids: std::collections::HashSet<String>,
    /// Each person's published Home tab (`views.publish`).
    pub home_views: HashMap<String, Value>,
    /// Each person's open modal: its view stack, root first (`views.open`,
    /// `views.push`; "a modal can hold up to 3 views", see
    /// `native::PUSH_LIMIT`).
    pub modals: HashMap<String, Vec<Value>>,
    /// Whether the workspace lets the app be a Calls provider (see
    /// `native::calls_add`); `true` unless a test says otherwise.
    pub calls_allowed: bool,
    /// Whether a bot token was granted: the fake's bookkeeping.
    pub installed: bool,
}

impl Team {
    pub fn new(seed: TeamSeed) -> Self {
        let channels = seed
            .channels
            .iter()
            .map(|c| {
                (
                    c.id.clone(),
                    Channel {
                        id: c.id.clone(),
                        name: c.name.clone(),
                        is_private: c.is_private || c.is_mpim,
                        is_im: false,
                        is_mpim: c.is_mpim,
                        is_ext_shared: c.is_ext_shared,
                        im_user: None,
                        members: c.members.clone(),
                        messages: Vec::new(),
                        created: 1_600_000_000,
                        is_archived: c.is_archived,
                    },
                )
            })
            .collect();
        Self {
            seed,
            channels,
            dms: HashMap::new(),
            unfurls: Vec::new(),
            unfurl_ids: Default::default(),
            home_views: HashMap::new(),
            modals: HashMap::new(),
            calls_allowed: true,
            installed: false,
        }
    }

    pub fn user(&self, id: &str) -> Option<&UserSeed> {
        self.seed.users.iter().find(|u| u.id == id)
    }

    /// The person who approves OAuth pages: the first admin, else the first
    /// person. A test hook, not Slack behaviour.
    pub fn approver(&self) -> Option<&UserSeed> {
        self.seed
            .users
            .iter()
            .find(|u| u.is_admin && !u.is_bot)
            .or_else(|| self.seed.users.iter().find(|u| !u.is_bot))
    }
}

/// Bot tokens begin `xoxb-`, user tokens `xoxp-`
/// (docs.slack.dev/authentication/tokens); some errors differ by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Bot,
    User,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub team: String,
    /// The bot user for bot tokens, the person for user tokens.
    pub user: String,
    pub kind: TokenKind,
    pub scopes: Vec<String>,
    /// With token rotation a token "expires every 12 hours"
    /// (docs.slack.dev/authentication/using-token-rotation).
    pub expires_at: Option<Instant>,
    pub revoked: bool,
    /// An org-level token (an org-wide install of this enterprise): `team`
    /// holds the enterprise id, and each call acts in one of the granted
    /// workspaces (see `api::authenticate`).
    pub org: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Refresh {
    pub team: String,
    pub user: String,
    pub kind: TokenKind,
    pub scopes: Vec<String>,
    /// As [`Token::org`].
    pub org: Option<String>,
    /// "Refresh tokens are designed to be used once" (using-token-rotation);
    /// Slack's "short grace period" is not modelled.
    pub used: bool,
}

/// Which authorize page issued a code: it is good only on its own flow's
/// exchange (`oauth_authorization_url_mismatch`, methods/oauth.v2.access and
/// methods/openid.connect.token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeKind {
    Install {
        scopes: Vec<String>,
        user_scopes: Vec<String>,
    },
    OpenId {
        nonce: Option<String>,
        scopes: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Code {
    pub team: String,
    pub user: String,
    /// The exchange must send the same one (`bad_redirect_uri`,
    /// methods/oauth.v2.access).
    pub redirect_uri: Option<String>,
    pub kind: CodeKind,
    /// A code "expires after ten minutes"
    /// (docs.slack.dev/authentication/installing-with-oauth).
    pub issued: Instant,
    pub used: bool,
    /// An org-wide install of this enterprise (the admin chose the
    /// organisation on the install page); `team` is then the installer's
    /// workspace.
    pub org: Option<String>,
}

/// An injected failure: a test hook, not Slack behaviour; each kind says
/// which real answer it stands for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this HTTP status and a non-JSON body (Slack's real 5xx
    /// answers, which the official SDKs retry).
    Status { status: u16 },
    /// Answer `{"ok":false,"error":<error>}` with HTTP 200, as Slack
    /// answers every error but a rate limit (method pages' error tables;
    /// node-slack-sdk: "doesn't use meaningful status codes besides 429
    /// and 200").
    Error { error: String },
    /// Carry the call out, then answer `{"ok":false,"error":<error>}`:
    /// Slack's `internal_error` and `fatal_error` — "it's possible some
    /// aspect of the operation succeeded before the error was raised"
    /// (method pages' error tables).
    ErrorAfterDoing { error: String },
    /// Answer 429 with this Retry-After (Slack's rate-limit answer,
    /// docs.slack.dev/apis/web-api/rate-limits).
    RateLimited { retry_after: u64 },
    /// Wait this long before handling the call (to trip client timeouts;
    /// a test hook).
    Delay { millis: u64 },
    /// For the OAuth/OIDC authorize pages: redirect back with
    /// `error=access_denied` instead of a code (OAuth 2.0's answer when the
    /// person declines, RFC 6749 §4.1.2.1).
    Deny,
    /// For `openid.connect.token`: answer with an id_token whose payload was
    /// changed after signing (its signature no longer matches). A test hook:
    /// an attacker's token, not something Slack sends.
    TamperIdToken,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    /// Method name (`chat.postMessage`), or `oauth.authorize` /
    /// `openid.authorize` for the pages; `None` means any method.
    pub method: Option<String>,
    /// Only calls for this team; `None` means any team.
    #[serde(default)]
    pub team: Option<String>,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many calls it applies to.
    pub times: u32,
}

/// One call the fake received, for assertions (a test hook, not Slack
/// behaviour).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RecordedCall {
    pub seq: u64,
    pub method: String,
    /// Milliseconds since the fake started.
    pub at_millis: u64,
    pub team: Option<String>,
    /// `bot`, `user`, `client` (client credentials) or `none`.
    pub auth: String,
    /// Form fields or JSON body, merged with query parameters.
    pub params: Value,
    pub status: u16,
    pub error: Option<String>,
    pub retry_after: Option<u64>,
}

/// A per-minute limit for one method, per workspace (and per channel for
/// `chat.postMessage`'s special tier): limits apply "per API method per
/// workspace/team per app" and "Rate limit windows are per minute"
/// (<https://docs.slack.dev/apis/web-api/rate-limits>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub calls: u32,
    pub window_millis: u64,
}

impl Limit {
    pub const fn per_minute(calls: u32) -> Self {
        Self {
            calls,
            window_millis: 60_000,
        }
    }
}

/// Slack's documented tiers for the methods the fake serves
/// (<https://docs.slack.dev/apis/web-api/rate-limits>, formerly
/// <https://api.slack.com/apis/rate-limits>; each method page's "Rate Limits"
/// names its tier; docs/slack-behaviours.md §11): T1 1/min, T2 20/min,
/// T3 50/min, T4 100/min; `chat.postMessage` ~1/s per channel and several
/// hundred per minute per workspace; `auth.test` hundreds per minute. The
/// tiers say "1+", "20+", …: the fake allows the floor. Methods not listed
/// here (chat.update, chat.delete, auth.revoke: Tier 3; files.info,
/// api.test: Tier 4) are not limited by the fake.
pub fn documented_limit(method: &str) -> Option<Limit> {
    let per_minute = match method {
        // Tier 1 (methods/apps.uninstall).
        "apps.uninstall" => 1,
        // Tier 2 (methods/users.list, methods/auth.teams.list).
        "users.list" | "auth.teams.list" => 20,
        // Tier 3 (each method's page; methods/conversations.join and
        // methods/users.conversations: "Tier 3", `rate_limits: t3` in
        // slack-ruby/slack-api-ref's copy of the pages; java-slack-sdk's
        // table says Tier 2 for users.conversations, the page wins).
        "conversations.open"
        | "conversations.info"
        | "conversations.history"
        | "conversations.replies"
        | "users.lookupByEmail"
        | "chat.unfurl"
        | "openid.connect.userInfo"
        | "conversations.join"
        | "users.conversations"
        | "team.info"
        // methods/calls.add, …/functions.completeSuccess,
        // …/functions.completeError: Tier 3.
        | "calls.add"
        | "functions.completeSuccess"
        | "functions.completeError" => 50,
        // Tier 4 (each method's page).
        "chat.postEphemeral"
        | "conversations.members"
        | "users.info"
        | "openid.connect.token"
        | "views.publish"
        // methods/views.open, …/views.push, …/views.update: Tier 4.
        | "views.open"
        | "views.push"
        | "views.update" => 100,
        // "limiting posting to several hundred messages per minute"
        // (methods/chat.postMessage): the fake's reading, 300.
        "chat.postMessage" => 300,
        // oauth.v2.access: "The rate limit for this method is 600 per
        // minute"; auth.test "allows hundreds of requests per minute" (the
        // fake's reading, 600). chat.getPermalink's tier is "Special": "This
        // method allows hundreds of requests per minute"
        // (methods/chat.getPermalink), read as auth.test's.
        "auth.test" | "oauth.v2.access" | "chat.getPermalink" => 600,
        _ => return None,
    };
    Some(Limit::per_minute(per_minute))
}

/// `chat.postMessage`'s per-channel limit: "It will generally allow an
/// app to post 1 message per second to a specific channel"
/// (methods/chat.postMessage; bursts are not modelled).
pub const POST_PER_CHANNEL: Limit = Limit {
    calls: 1,
    window_millis: 1_000,
};

/// A `trigger_id` the fake gave the app: good for 3 seconds
/// ([`TRIGGER_LIFETIME`]) and one use (views.open's and views.push's
/// `exchanged_trigger_id`: "The trigger_id was already exchanged in a
/// previous call").
#[derive(Debug, Clone)]
pub struct Trigger {
    pub team: String,
    pub user: String,
    pub issued: Instant,
    pub used: bool,
}

/// Where a `response_url` the fake issued belongs: the workspace,
/// conversation and person of the interaction whose payload carried it.
/// An `in_channel` answer goes "into the channel" the command ran in
/// (https://docs.slack.dev/interactivity/implementing-slash-commands: "by
/// default it is set to `ephemeral`, but you can specify a value of
/// `in_channel` to post the response into the channel"), even one where
/// chat.postMessage could not reach (the Calls guide's "use the
/// `in_channel` slash command response type",
/// https://docs.slack.dev/apis/web-api/using-the-calls-api, "Post the Call
/// to channel"). That a URL stays bound to its interaction's workspace,
/// conversation and person is the fake's reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseUrl {
    pub team: String,
    pub channel: String,
    pub user: String,
}

/// A Call registered with `calls.add` (methods/calls.add's `call` object).
#[derive(Debug, Clone)]
pub struct SlackCall {
    pub team: String,
    /// The `call` object as calls.info answers it.
    pub call: Value,
}

/// One run of a workflow custom step (events/function_executed).
#[derive(Debug, Clone)]
pub struct FunctionExecution {
    pub team: String,
    pub callback_id: String,
    pub inputs: Value,
    /// The just-in-time `xwfp-` token handed out with the event.
    pub token: String,
    /// `{"outputs": …}` or `{"error": …}` once completed.
    pub outcome: Option<Value>,
}

/// "Pass a valid trigger_id within 3 seconds of receiving it"
/// (tools/bolt-python/concepts/opening-modals, and bolt-js's
/// creating-modals); past it views.open answers `expired_trigger_id`.
pub const TRIGGER_LIFETIME: Duration = Duration::from_secs(3);

pub struct World {
    pub app: AppConfig,
    pub teams: BTreeMap<String, Team>,
    pub tokens: HashMap<String, Token>,
    pub refresh_tokens: HashMap<String, Refresh>,
    pub codes: HashMap<String, Code>,
    /// Injected failures (test hook, not Slack behaviour).
    pub faults: Vec<Fault>,
    /// Every call received (test hook, not Slack behaviour).
    pub calls: Vec<RecordedCall>,
    /// Call times per (method, team, channel) window key.
    pub windows: HashMap<String, VecDeque<Instant>>,
    /// Test hook, not Slack behaviour: no rate limits at all.
    pub limits_enabled: bool,
    /// Test hook: other limits by method (`chat.postMessage#channel` for
    /// the per-channel one).
    pub limit_overrides: HashMap<String, Limit>,
    /// Largest page any paginated method returns, whatever `limit` asked
    /// (real Slack returns short pages too: "It's possible to receive
    /// _fewer_ results than your specified `limit`",
    /// docs.slack.dev/apis/web-api/pagination).
    pub max_page: usize,
    /// 12 h: "It will always expire in 43,200 seconds"
    /// (docs.slack.dev/authentication/using-token-rotation).
    pub token_lifetime: Duration,
    /// Who approves the next authorize pages: `(team, user)` (test hook).
    pub acting: Option<(String, String)>,
    /// Messages posted to `response_url`s, by the URL's last segment (kept
    /// for tests to read).
    pub responses: HashMap<String, Vec<Value>>,
    /// The `response_url`s the fake issued (slash commands, clicks, message
    /// shortcuts), by the URL's last segment: where their messages go.
    /// An id not here (one a test made with `FakeSlack::response_url`) is
    /// only recorded.
    pub response_urls: HashMap<String, ResponseUrl>,
    /// Where events go (`None`: nowhere, the default).
    pub events: Option<EventsTarget>,
    /// Event callbacks built while handling a call, sent after it.
    pub outbox: Vec<Value>,
    pub started: Instant,
    /// How far the fake's clock is ahead of real time ([`World::advance`]).
    pub clock_offset: Duration,
    /// Files people shared, by id.
    pub files: HashMap<String, SharedFile>,
    /// Turns through the authorizations that can see an event, so that
    /// when several apply each is used (see `events::queue_message_event`):
    /// `authorizations` "describes _one_ of the installations that this
    /// event is visible to" (docs.slack.dev/apis/events-api); which one is
    /// not documented.
    pub authorization_turn: usize,
    /// About one Web API call in N answers HTTP 503 before doing anything: the
    /// occasional real 5xx (the official SDKs retry 5xx:
    /// python-slack-sdk's `ServerErrorRetryHandler`, node-slack-sdk's
    /// retry policies). `None`: never (the default).
    pub server_error_every: Option<u32>,
    /// Waits before each retry of a failed event delivery (one entry per
    /// retry); Slack's schedule by default (at once, 1 min, 5 min;
    /// docs.slack.dev/apis/events-api), shortened by tests.
    pub event_retry_delays: Vec<Duration>,
    /// The slash command's and interactivity's Request URLs.
    pub commands: Option<crate::interactive::RequestTarget>,
    pub interactivity: Option<crate::interactive::RequestTarget>,
    /// Enterprise Grid organisations, by id.
    pub enterprises: BTreeMap<String, Enterprise>,
    /// Org-wide installs of the app, by enterprise id.
    pub org_installs: BTreeMap<String, OrgInstall>,
    /// The next install page installs org-wide into this enterprise (the
    /// admin picks the organisation on Slack's page; a test hook).
    pub acting_org: Option<String>,
    /// `trigger_id`s handed to the app with commands, clicks and
    /// shortcuts (see [`Trigger`]).
    pub triggers: HashMap<String, Trigger>,
    /// Slack Calls registered with `calls.add`, by `R…` id.
    pub slack_calls: BTreeMap<String, SlackCall>,
    /// Workflow custom-step executions, by `Fx…` id.
    pub executions: HashMap<String, FunctionExecution>,
    calls_seen: u64,
    next_seq: u64,
    next_ts: u64,
}

impl World {
    pub fn new(app: AppConfig) -> Self {
        Self {
            app,
            teams: BTreeMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            codes: HashMap::new(),
            faults: Vec::new(),
            calls: Vec::new(),
            windows: HashMap::new(),
            limits_enabled: true,
            limit_overrides: HashMap::new(),
            max_page: 1000,
            token_lifetime: Duration::from_secs(43_200),
            acting: None,
            responses: HashMap::new(),
            response_urls: HashMap::new(),
            events: None,
            outbox: Vec::new(),
            started: Instant::now(),
            clock_offset: Duration::ZERO,
            files: HashMap::new(),
            authorization_turn: 0,
            server_error_every: None,
            event_retry_delays: crate::events::RETRY_DELAYS.to_vec(),
            commands: None,
            interactivity: None,
            enterprises: BTreeMap::new(),
            org_installs: BTreeMap::new(),
            acting_org: None,
            triggers: HashMap::new(),
            slack_calls: BTreeMap::new(),
            executions: HashMap::new(),
            calls_seen: 0,
            next_seq: 0,
            next_ts: 0,
        }
    }

    pub fn add_team(&mut self, seed: TeamSeed) {
        self.teams.insert(seed.id.clone(), Team::new(seed));
    }

    pub fn add_enterprise(&mut self, enterprise: Enterprise) {
        self.enterprises.insert(enterprise.id.clone(), enterprise);
    }

    /// An enterprise's name; "Enterprise" for one the fake was not told of
    /// (a fixture).
    pub fn enterprise_name(&self, id: &str) -> String {
        self.enterprises
            .get(id)
            .map_or_else(|| "Enterprise".to_owned(), |e| e.name.clone())
    }

    /// The workspaces of an enterprise, in id order.
    pub fn org_teams(&self, enterprise: &str) -> Vec<String> {
        self.teams
            .values()
            .filter(|t| t.seed.enterprise_id.as_deref() == Some(enterprise))
            .map(|t| t.seed.id.clone())
            .collect()
    }

    /// The enterprise whose live org-wide install reaches `team` (the team
    /// is one of its granted workspaces), if any.
    pub fn org_install_of(&self, team: &str) -> Option<&str> {
        let e = self.teams.get(team)?.seed.enterprise_id.as_deref()?;
        let install = self.org_installs.get(e)?;
        (install.installed && install.granted.iter().any(|t| t == team)).then_some(e)
    }

    /// The app's bot user in an enterprise: its first workspace's (one bot
    /// user for the organisation, see [`TeamSeed::grid_pair`]).
    pub fn org_bot_user(&self, enterprise: &str) -> Option<String> {
        let first = self.org_teams(enterprise).into_iter().next()?;
        Some(self.teams[&first].seed.bot_user_id.clone())
    }

    /// Test hook, not Slack behaviour.
    pub fn record(&mut self, mut call: RecordedCall) {
        self.next_seq += 1;
        call.seq = self.next_seq;
        call.at_millis = self.started.elapsed().as_millis() as u64;
        self.calls.push(call);
    }

    /// A message timestamp, unique and increasing like Slack's (a `ts`
    /// value "uniquely identifying it within a conversation",
    /// methods/conversations.history).
    /// Slack's `ts` is the Unix time of the message (and `event_time` of
    /// an event is read from it), so lifecycle events compare with the
    /// app's clock as they would on Slack.
    pub fn next_ts(&mut self) -> String {
        self.next_ts += 1;
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            + self.clock_offset.as_secs();
        format!("{secs}.{:06}", self.next_ts % 1_000_000)
    }

    /// Test hook: the sequence restarts when set, so a test meets the same
    /// 503s however many calls ran before it.
    pub fn set_server_errors_every(&mut self, n: Option<u32>) {
        self.server_error_every = n;
        self.calls_seen = 0;
    }

    /// Whether this call is one of the occasional 5xx answers: about one
    /// call in `server_error_every`, picked by a fixed pseudo-random
    /// sequence (every Nth call exactly would fall in step with a retry
    /// that makes N calls, and fail it for ever, which Slack does not do).
    pub fn server_error_due(&mut self) -> bool {
        self.calls_seen += 1;
        let Some(n) = self.server_error_every.filter(|n| *n > 0) else {
            return false;
        };
        // splitmix64 of the call's number: the same run, the same calls.
        let mut z = self.calls_seen.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        z.is_multiple_of(u64::from(n))
    }

    /// Takes the first fault matching the call, if any (test hook).
    pub fn take_fault(&mut self, method: &str, team: Option<&str>) -> Option<FaultKind> {
        let i = self.faults.iter().position(|f| {
            f.times > 0
                && f.method.as_deref().is_none_or(|m| m == method)
                && f.team.as_deref().is_none_or(|t| Some(t) == team)
        })?;
        let fault = &mut self.faults[i];
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            self.faults.remove(i);
        }
        Some(kind)
    }

    /// A test's override first; then the 1-a-minute history limit of a
    /// commercially distributed app (see [`Distribution`]); then the tier.
    fn limit_for(&self, method: &str) -> Option<Limit> {
        let history = matches!(method, "conversations.history" | "conversations.replies");
        self.limit_overrides
            .get(method)
            .copied()
            .or_else(|| {
                (history && self.app.distribution == Distribution::Commercial)
                    .then_some(Limit::per_minute(1))
            })
            .or_else(|| documented_limit(method))
    }

    /// The fake's "now": real time, moved on by [`World::advance`] so tests
    /// that move hallway's clock can move Slack's too (a test hook).
    pub fn now(&self) -> Instant {
        Instant::now() + self.clock_offset
    }

    /// Moves the fake's clock forward (rate windows, token lifetimes; a
    /// test hook, not Slack behaviour).
    pub fn advance(&mut self, by: Duration) {
        self.clock_offset += by;
    }

    /// Counts a call against its windows. `Err(retry_after_secs)` when over.
    /// A refused call does not count: docs are silent; the fake's reading.
    pub fn admit(&mut self, method: &str, team: &str, channel: Option<&str>) -> Result<(), u64> {
        if !self.limits_enabled {
            return Ok(());
        }
        let mut checks = Vec::new();
        if let Some(limit) = self.limit_for(method) {
            checks.push((format!("{method}|{team}"), limit));
        }
        if method == "chat.postMessage"
            && let Some(ch) = channel
        {
            let per_channel = self
                .limit_overrides
                .get("chat.postMessage#channel")
                .copied()
                .unwrap_or(POST_PER_CHANNEL);
            checks.push((format!("{method}|{team}|{ch}"), per_channel));
        }
        let now = self.now();
        let mut wait = 0u64;
        for (key, limit) in &checks {
            let window = Duration::from_millis(limit.window_millis);
            let calls = self.windows.entry(key.clone()).or_default();
            while calls
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                calls.pop_front();
            }
            if calls.len() >= limit.calls as usize {
                let oldest = *calls.front().expect("non-empty when over the limit");
                let free_in = window.saturating_sub(now.duration_since(oldest));
                // Retry-After is whole seconds, rounded up, at least 1:
                // "the number of seconds until you can retry" (rate-limits
                // page); the rounding is the fake's reading.
                let secs = free_in.as_millis().div_ceil(1000).max(1) as u64;
                wait = wait.max(secs);
            }
        }
        if wait > 0 {
            return Err(wait);
        }
        for (key, _) in checks {
            self.windows.entry(key).or_default().push_back(now);
        }
        Ok(())
    }

    /// Whether `user` holds a live user token of the app in `team`: what
    /// Slack's `is_app_user` reports (user object reference).
    pub fn is_app_user(&self, team: &str, user: &str) -> bool {
        self.holds_user_token(team, user)
    }

    /// Records a `response_url` (by its last segment, `id`) handed to the
    /// app with an interaction of `user` in `channel` of `team`.
    pub fn register_response_url(&mut self, id: &str, team: &str, channel: &str, user: &str) {
        self.response_urls.insert(
            id.to_owned(),
            ResponseUrl {
                team: team.into(),
                channel: channel.into(),
                user: user.into(),
            },
        );
    }

    /// Records a `trigger_id` handed to `user` of `team`.
    pub fn register_trigger(&mut self, id: &str, team: &str, user: &str) {
        let issued = self.now();
        self.triggers.insert(
            id.to_owned(),
            Trigger {
                team: team.into(),
                user: user.into(),
                issued,
                used: false,
            },
        );
    }

    /// Exchanges a `trigger_id` for the person it opens a view for: one
    /// use, within 3 seconds of the payload (the error names are
    /// views.open's, views.push's table: `invalid_trigger_id`,
    /// `exchanged_trigger_id`, `expired_trigger_id`). One not handed out in
    /// `team` is invalid; a used one that is also old is `exchanged` (the
    /// fake's reading).
    pub fn exchange_trigger(&mut self, id: &str, team: &str) -> Result<String, &'static str> {
        let now = self.now();
        let t = self
            .triggers
            .get_mut(id)
            .filter(|t| t.team == team)
            .ok_or("invalid_trigger_id")?;
        if t.used {
            return Err("exchanged_trigger_id");
        }
        if now.duration_since(t.issued) >= TRIGGER_LIFETIME {
            return Err("expired_trigger_id");
        }
        t.used = true;
        Ok(t.user.clone())
    }

    /// A user object of `team` as the Web API returns it; without
    /// `profile.email` unless the caller has `users:read.email` ("now
    /// required to access the `email` field", methods/users.info).
    pub fn user_json(&self, team: &str, user: &UserSeed, emails: bool) -> Value {
        let mut v = user.to_json(team, self.is_app_user(team, &user.id));
        if !emails && let Some(profile) = v["profile"].as_object_mut() {
            profile.remove("email");
        }
        // In an Enterprise Grid workspace, "user objects containing a new
        // field called `enterprise_user`" (changelog
        // 2016-08-11-user-id-format-changes) with `id`, `enterprise_id`,
        // `enterprise_name`, `is_admin`, `is_owner`, `teams`, all required
        // (`objs_enterprise_user` in slackapi/slack-api-specs'
        // web-api/slack_web_openapi_v2.json). `teams`: the organisation's
        // workspaces the person is in.
        if user.external_team.is_none()
            && let Some(e) = self
                .teams
                .get(team)
                .and_then(|t| t.seed.enterprise_id.clone())
        {
            let teams: Vec<String> = self
                .org_teams(&e)
                .into_iter()
                .filter(|t| self.teams[t].user(&user.id).is_some())
                .collect();
            v["enterprise_user"] = json!({
                "id": user.id, "enterprise_id": e, "enterprise_name": self.enterprise_name(&e),
                "is_admin": user.is_admin, "is_owner": false, "teams": teams,
            });
        }
        v
    }

    /// Whether `user` holds a live user token of the app reaching `team`,
    /// a workspace token or an org-level one of its organisation.
    fn holds_user_token(&self, team: &str, user: &str) -> bool {
        let org = self.org_install_of(team);
        self.tokens.values().any(|t| {
            t.user == user
                && t.kind == TokenKind::User
                && !t.revoked
                && (t.team == team || (t.org.is_some() && t.org.as_deref() == org))
        })
    }

    /// Mints a token for a team: `xoxb-`/`xoxp-` (authentication/tokens);
    /// with rotation `xoxe.xoxb-…` and a refresh token `xoxe-1-…`, as the
    /// examples on authentication/using-token-rotation show.
    pub fn mint_token(
        &mut self,
        team: &str,
        user: &str,
        kind: TokenKind,
        scopes: Vec<String>,
    ) -> (String, Option<String>) {
        let prefix = match kind {
            TokenKind::Bot => "xoxb",
            TokenKind::User => "xoxp",
        };
        let rotating = self.app.token_rotation;
        let token = if rotating {
            format!("xoxe.{prefix}-{team}-{}", random_hex(12))
        } else {
            format!("{prefix}-{team}-{}", random_hex(12))
        };
        let refresh = rotating.then(|| format!("xoxe-1-{}", random_hex(24)));
        self.tokens.insert(
            token.clone(),
            Token {
                team: team.into(),
                user: user.into(),
                kind,
                scopes: scopes.clone(),
                expires_at: rotating.then(|| self.now() + self.token_lifetime),
                revoked: false,
                org: None,
            },
        );
        if let Some(r) = &refresh {
            self.refresh_tokens.insert(
                r.clone(),
                Refresh {
                    team: team.into(),
                    user: user.into(),
                    kind,
                    scopes,
                    used: false,
                    org: None,
                },
            );
        }
        (token, refresh)
    }

    /// Mints an org-level token of an org-wide install of `enterprise`: "a
    /// single token that represents the permissions for the app on multiple
    /// workspaces" (api.slack.com/enterprise/apps). Its `team` is the
    /// enterprise id. The token's form is a workspace token's.
    pub fn mint_org_token(
        &mut self,
        enterprise: &str,
        user: &str,
        kind: TokenKind,
        scopes: Vec<String>,
    ) -> (String, Option<String>) {
        let (token, refresh) = self.mint_token(enterprise, user, kind, scopes);
        if let Some(t) = self.tokens.get_mut(&token) {
            t.org = Some(enterprise.to_owned());
        }
        if let Some(r) = refresh
            .as_ref()
            .and_then(|r| self.refresh_tokens.get_mut(r))
        {
            r.org = Some(enterprise.to_owned());
        }
        (token, refresh)
    }
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the OS random source works");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        let mut w = World::new(AppConfig::default());
        w.add_team(TeamSeed::with_people("T1", "Acme", 3));
        w
    }

    /// A thread parent names at most `REPLY_USERS_SHOWN` repliers, in
    /// order of first reply, and counts them all.
    #[test]
    fn a_parent_lists_its_first_repliers() {
        let mut ch = Team::new(TeamSeed::with_people("T1", "Acme", 1)).channels["C1GEN"].clone();
        ch.messages.push(Message::new("1.000001", "U1", "parent"));
        for i in 0..8 {
            let mut r = Message::new(&format!("1.00001{i}"), &format!("U{}", 7 - i % 7), "r");
            r.thread_ts = Some("1.000001".into());
            ch.messages.push(r);
        }
        let mut whisper = Message::new("1.000099", "U9", "only you");
        whisper.thread_ts = Some("1.000001".into());
        whisper.ephemeral_to = Some("U1".into());
        ch.messages.push(whisper);
        let v = ch.message_json(&ch.messages[0]);
        assert_eq!(v["reply_count"], 8);
        assert_eq!(v["reply_users_count"], 7);
        assert_eq!(v["reply_users"], json!(["U7", "U6", "U5", "U4", "U3"]));
        assert_eq!(v["latest_reply"], "1.000017");
        assert_eq!(v["thread_ts"], "1.000001");
        let reply = ch.message_json(&ch.messages[1]);
        assert_eq!(reply["parent_user_id"], "U1");
        assert_eq!(reply["thread_ts"], "1.000001");
    }

    #[test]
    fn tiers_follow_the_documented_table() {
        assert_eq!(documented_limit("users.list"), Some(Limit::per_minute(20)));
        assert_eq!(
            documented_limit("conversations.open"),
            Some(Limit::per_minute(50))
        );
        assert_eq!(documented_limit("users.info"), Some(Limit::per_minute(100)));
        assert_eq!(
            documented_limit("apps.uninstall"),
            Some(Limit::per_minute(1))
        );
        assert_eq!(documented_limit("api.test"), None);
    }

    #[test]
    fn limits_are_per_method_and_workspace_with_retry_after() {
        let mut w = world();
        for _ in 0..20 {
            w.admit("users.list", "T1", None).unwrap();
        }
        let retry = w.admit("users.list", "T1", None).unwrap_err();
        assert!((59..=60).contains(&retry), "{retry}");
        w.admit("users.list", "T2", None)
            .expect("another workspace is not limited");
        w.admit("users.info", "T1", None)
            .expect("another method is not limited");
    }

    #[test]
    fn post_message_is_limited_per_channel_too() {
        let mut w = world();
        w.admit("chat.postMessage", "T1", Some("D1")).unwrap();
        assert_eq!(w.admit("chat.postMessage", "T1", Some("D1")), Err(1));
        w.admit("chat.postMessage", "T1", Some("D2"))
            .expect("another channel");
    }

    #[test]
    fn refused_calls_do_not_use_up_the_window() {
        let mut w = world();
        w.limit_overrides.insert(
            "auth.test".into(),
            Limit {
                calls: 1,
                window_millis: 60_000,
            },
        );
        w.admit("auth.test", "T1", None).unwrap();
        for _ in 0..5 {
            assert!(w.admit("auth.test", "T1", None).is_err());
        }
        assert_eq!(w.windows["auth.test|T1"].len(), 1);
    }

    #[test]
    fn faults_match_method_and_team_and_run_out() {
        let mut w = world();
        w.faults.push(Fault {
            method: Some("auth.test".into()),
            team: Some("T1".into()),
            kind: FaultKind::Status { status: 500 },
            times: 2,
        });
        assert_eq!(w.take_fault("users.list", Some("T1")), None);
        assert_eq!(w.take_fault("auth.test", Some("T2")), None);
        assert!(w.take_fault("auth.test", Some("T1")).is_some());
        assert!(w.take_fault("auth.test", Some("T1")).is_some());
        assert_eq!(w.take_fault("auth.test", Some("T1")), None);
        assert!(w.faults.is_empty());
    }

    #[test]
    fn rotating_tokens_expire_and_come_with_refresh_tokens() {
        let mut w = World::new(AppConfig {
            token_rotation: true,
            ..AppConfig::default()
        });
        w.add_team(TeamSeed::with_people("T1", "Acme", 1));
        let (token, refresh) = w.mint_token("T1", "UB1", TokenKind::Bot, vec![]);
        assert!(token.starts_with("xoxe.xoxb-T1-"));
        assert!(refresh.unwrap().starts_with("xoxe-1-"));
        assert!(w.tokens[&token].expires_at.is_some());
    }
}
