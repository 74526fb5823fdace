//! The Slack Web API client: reqwest over rustls, one base URL (`SLACK_URL`)
//! so tests and the local bundle can point it at the fake Slack.
//!
//! Every response is checked for `ok`; `ok:false`, a 429 or a 5xx becomes a
//! [`SlackError`], classified in [`super::errors`] (the one place that reads
//! Slack's error codes). The client never sleeps or retries by itself: the
//! worker turns `retry_after` into a queue delay, which is cheaper than a
//! Lambda waiting.
//!
//! Request and response bodies use slack-morphism's models where it has
//! them; the OAuth exchange has its own type because slack-morphism's lacks
//! the token-rotation and enterprise fields.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use slack_morphism::prelude::SlackApiAuthTestResponse;
use url::Url;

use crate::secrets::Secret;
pub use crate::slack::errors::SlackError;
use crate::slack::errors::error_of;
use crate::slack::users::UserObject;

/// How a call authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// `Authorization: Bearer <token>`.
    Bearer(&'a Secret),
    /// HTTP Basic with the app's client credentials (OAuth exchanges).
    Client {
        client_id: &'a str,
        client_secret: &'a Secret,
    },
    None,
}

/// One page of a cursor-paginated method.
#[derive(Debug, Clone)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    /// `None` when Slack said this was the last page.
    pub next_cursor: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SlackClient {
    http: reqwest::Client,
    base: Url,
    /// Each call's limit, unless the invocation has less time left.
    timeout: Duration,
}

/// `oauth.v2.access` with the fields Slack documents, rotation included.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthV2Access {
    /// The bot token; absent when only user scopes were asked for.
    pub access_token: Option<Secret>,
    pub token_type: Option<String>,
    #[serde(default)]
    pub scope: String,
    pub bot_user_id: Option<String>,
    pub app_id: Option<String>,
    pub team: Option<NamedId>,
    pub enterprise: Option<NamedId>,
    #[serde(default)]
    pub is_enterprise_install: bool,
    pub refresh_token: Option<Secret>,
    pub expires_in: Option<i64>,
    pub authed_user: Option<AuthedUser>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NamedId {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthedUser {
    pub id: String,
    pub scope: Option<String>,
    pub access_token: Option<Secret>,
    pub token_type: Option<String>,
    pub refresh_token: Option<Secret>,
    pub expires_in: Option<i64>,
}

/// `openid.connect.token`.
#[derive(Debug, Clone, Deserialize)]
pub struct OpenIdTokens {
    pub access_token: Secret,
    pub id_token: Secret,
}

/// `openid.connect.userInfo`: the fields hallway reads. Unlike the id_token,
/// it names the workspace
/// (https://docs.slack.dev/reference/methods/openid.connect.userInfo).
#[derive(Debug, Clone, Deserialize)]
pub struct OpenIdUserInfo {
    #[serde(rename = "https://slack.com/team_id")]
    pub team_id: Option<String>,
    #[serde(rename = "https://slack.com/team_name")]
    pub team_name: Option<String>,
}

/// `auth.test`: slack-morphism's model plus the enterprise fields it lacks.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthTest {
    #[serde(flatten)]
    pub base: SlackApiAuthTestResponse,
    pub enterprise_id: Option<String>,
    #[serde(default)]
    pub is_enterprise_install: bool,
}

/// A page of `conversations.history`.
#[derive(Debug, Clone, Deserialize)]
pub struct HistoryPage {
    #[serde(default)]
    pub messages: Vec<Value>,
    #[serde(default)]
    pub has_more: bool,
    /// `conversations.replies` pages by cursor.
    #[serde(default)]
    pub response_metadata: Option<ResponseMetadata>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResponseMetadata {
    #[serde(default)]
    pub next_cursor: Option<String>,
}

impl HistoryPage {
    /// The cursor of the next page, when Slack gave one.
    pub fn next_cursor(&self) -> Option<&str> {
        self.response_metadata
            .as_ref()
            .and_then(|m| m.next_cursor.as_deref())
            .filter(|c| !c.is_empty())
    }
}

/// A channel as `conversations.info` and `users.conversations` describe it
/// (objects/conversation-object): the fields channel chat reads.
#[derive(Debug, Clone, Deserialize)]
pub struct ChannelInfo {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub is_private: bool,
    #[serde(default)]
    pub is_archived: bool,
    /// Whether the token's owner is in it (absent for some tokens and
    /// types: read as not known to be).
    #[serde(default)]
    pub is_member: bool,
    #[serde(default)]
    pub is_im: bool,
    #[serde(default)]
    pub is_mpim: bool,
    #[serde(default)]
    pub is_ext_shared: bool,
    #[serde(default)]
    pub num_members: Option<u32>,
    #[serde(default)]
    pub topic: Option<ChannelText>,
    #[serde(default)]
    pub purpose: Option<ChannelText>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChannelText {
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PostedMessage {
    pub channel: String,
    pub ts: String,
}

/// A Call to register (`calls.add`'s arguments).
#[derive(Debug, Clone, Serialize)]
pub struct NewCall<'a> {
    /// "It must be unique across all Calls from that service."
    pub external_unique_id: &'a str,
    pub join_url: &'a str,
    pub created_by: &'a str,
    pub title: &'a str,
    pub date_start: i64,
    pub users: Vec<CallUser>,
}

/// A Call participant: a person of the workspace by id, or anyone else by
/// name (@slack/types `CallUserSlack` / `CallUserExternal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CallUser {
    Slack {
        slack_id: String,
    },
    External {
        external_id: String,
        display_name: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
struct AddedCall {
    call: ViewRef,
}

/// Slack's Calls examples answer some refusals with `"ok": true` and an
/// `error` (`bad_users`, `inactive_call`): read as the error they are.
fn odd_ok_error(method: &str, r: &Value) -> Result<(), SlackError> {
    match r.get("error").and_then(Value::as_str) {
        Some(code) => Err(SlackError::Api {
            method: method.into(),
            code: code.into(),
        }),
        None => Ok(()),
    }
}

#[derive(Debug, Clone, Deserialize)]
struct OpenedView {
    view: ViewRef,
}

#[derive(Debug, Clone, Deserialize)]
struct ViewRef {
    id: String,
}

#[derive(Debug, Clone, Deserialize)]
struct Permalink {
    permalink: String,
}

#[derive(Debug, Clone, Deserialize)]
struct OpenedIm {
    channel: ChannelRef,
}

#[derive(Debug, Clone, Deserialize)]
struct ChannelRef {
    id: String,
}

/// Turns a JSON object into form fields: strings as they are, everything else
/// (blocks, booleans, numbers) as JSON text, which is what Slack expects.
fn form_fields(params: &impl Serialize) -> Result<Vec<(String, String)>, String> {
    let value = serde_json::to_value(params).map_err(|e| e.to_string())?;
    let Value::Object(map) = value else {
        return Err("form parameters must be a JSON object".into());
    };
    Ok(map
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

impl SlackClient {
    /// `base` is Slack's root (`https://slack.com`); methods live under
    /// `{base}/api/`. `timeout` bounds each call, connection included.
    pub fn new(base: Url, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(crate::tls::client_config())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .user_agent(concat!("hallway/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            base,
            timeout,
        })
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// A URL on Slack's side, e.g. `/oauth/v2/authorize`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base.as_str().trim_end_matches('/'), path)
    }

    fn method_url(&self, method: &str) -> String {
        self.url(&format!("/api/{method}"))
    }

    fn authorize(&self, req: reqwest::RequestBuilder, auth: Auth<'_>) -> reqwest::RequestBuilder {
        match auth {
            Auth::Bearer(token) => req.bearer_auth(token.expose()),
            Auth::Client {
                client_id,
                client_secret,
            } => req.basic_auth(client_id, Some(client_secret.expose())),
            Auth::None => req,
        }
    }

    /// Opens the connection (TCP and TLS) with `api.test`, which needs no
    /// token, so a Lambda's first Slack call of a request does not pay the
    /// handshake; run during init, which has a boosted CPU.
    pub async fn warm(&self) -> Result<(), SlackError> {
        let req = self.http.post(self.method_url("api.test"));
        self.send_value("api.test", req).await.map(|_| ())
    }

    /// Calls a method with a form body.
    pub async fn call_form<R: DeserializeOwned>(
        &self,
        method: &str,
        auth: Auth<'_>,
        params: &impl Serialize,
    ) -> Result<R, SlackError> {
        let fields = form_fields(params).map_err(|detail| SlackError::Decode {
            method: method.into(),
            detail,
        })?;
        let req = self
            .authorize(self.http.post(self.method_url(method)), auth)
            .form(&fields);
        self.send(method, req).await
    }

    /// Calls a method with a JSON body (Slack requires a bearer token for it).
    pub async fn call_json<R: DeserializeOwned>(
        &self,
        method: &str,
        token: &Secret,
        body: &impl Serialize,
    ) -> Result<R, SlackError> {
        let req = self
            .http
            .post(self.method_url(method))
            .bearer_auth(token.expose())
            .json(body);
        self.send(method, req).await
    }

    async fn send<R: DeserializeOwned>(
        &self,
        method: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<R, SlackError> {
        let value = self.send_value(method, req).await?;
        serde_json::from_value(value).map_err(|e| SlackError::Decode {
            method: method.into(),
            detail: e.to_string(),
        })
    }

    async fn send_value(
        &self,
        method: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<Value, SlackError> {
        let outcome = self.send_value_once(method, req).await;
        crate::metrics::count("SlackCalls", &[("Method", method)]);
        if let Err(e) = &outcome {
            let code = e.metric_code();
            crate::metrics::count("SlackErrors", &[("Method", method), ("Error", &code)]);
            if matches!(e, SlackError::RateLimited { .. }) {
                crate::metrics::count("SlackRateLimited", &[("Method", method)]);
            }
        }
        outcome
    }

    async fn send_value_once(
        &self,
        method: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<Value, SlackError> {
        // Inside a worker invocation, never past its deadline.
        let req = req.timeout(crate::deadline::cap(self.timeout));
        let resp = req.send().await.map_err(|e| transport(method, e))?;
        let status = resp.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(1);
            return Err(SlackError::RateLimited {
                retry_after: Duration::from_secs(retry_after.max(1)),
            });
        }
        let text = resp.text().await.map_err(|e| transport(method, e))?;
        if !status.is_success() {
            return Err(SlackError::Http {
                method: method.into(),
                status: status.as_u16(),
            });
        }
        let value: Value = serde_json::from_str(&text).map_err(|e| SlackError::Decode {
            method: method.into(),
            detail: format!("not JSON: {e}"),
        })?;
        match value.get("ok").and_then(Value::as_bool) {
            Some(true) => Ok(value),
            Some(false) => Err(error_of(method, &value)),
            None => Err(SlackError::Decode {
                method: method.into(),
                detail: "no \"ok\" field".into(),
            }),
        }
    }

    /// One page of a cursor-paginated method. `field` names the array.
    pub async fn page<T: DeserializeOwned>(
        &self,
        method: &str,
        token: &Secret,
        params: &Map<String, Value>,
        field: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<PageOf<T>, SlackError> {
        let mut params = params.clone();
        params.insert("limit".into(), Value::from(limit.clamp(1, 1000)));
        if let Some(c) = cursor {
            params.insert("cursor".into(), Value::from(c));
        }
        let fields = form_fields(&params).map_err(|detail| SlackError::Decode {
            method: method.into(),
            detail,
        })?;
        let req = self
            .http
            .post(self.method_url(method))
            .bearer_auth(token.expose())
            .form(&fields);
        let mut value = self.send_value(method, req).await?;
        let items = match value.get_mut(field).map(Value::take) {
            Some(v @ Value::Array(_)) => {
                serde_json::from_value(v).map_err(|e| SlackError::Decode {
                    method: method.into(),
                    detail: e.to_string(),
                })?
            }
            _ => {
                return Err(SlackError::Decode {
                    method: method.into(),
                    detail: format!("no \"{field}\" array"),
                });
            }
        };
        // Only the cursor says whether there is more; a short or empty page
        // does not mean the end.
        let next_cursor = value
            .pointer("/response_metadata/next_cursor")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        Ok(PageOf { items, next_cursor })
    }

    /// Every page, in order. For lists bounded in size (a channel's members);
    /// large walks (a workspace's users) page through [`Self::page`] from a job
    /// so they can stop and resume.
    pub async fn all_pages<T: DeserializeOwned>(
        &self,
        method: &str,
        token: &Secret,
        params: &Map<String, Value>,
        field: &str,
        limit: u32,
    ) -> Result<Vec<T>, SlackError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page: PageOf<T> = self
                .page(method, token, params, field, cursor.as_deref(), limit)
                .await?;
            out.extend(page.items);
            match page.next_cursor {
                Some(next) if Some(&next) == cursor.as_ref() => {
                    return Err(SlackError::Decode {
                        method: method.into(),
                        detail: "the same cursor came back twice".into(),
                    });
                }
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    // --- methods -------------------------------------------------------------

    pub async fn auth_test(&self, token: &Secret) -> Result<AuthTest, SlackError> {
        self.call_form("auth.test", Auth::Bearer(token), &Map::new())
            .await
    }

    /// One page of `users.list`. Each member is read on its own
    /// ([`UserObject`] is lenient); one that is not a user object at all is
    /// logged and left out rather than failing the page.
    ///
    /// `team` names the workspace to an organisation-wide token ("required
    /// if org token is used", methods/users.list); a workspace token
    /// ignores it (api.slack.com/enterprise/apps/changes-apis: "always pass
    /// `team_id`").
    pub async fn users_page(
        &self,
        token: &Secret,
        team: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<PageOf<UserObject>, SlackError> {
        let mut params = Map::new();
        params.insert("team_id".into(), Value::from(team));
        // Each person's language, for what hallway writes them.
        params.insert("include_locale".into(), Value::from(true));
        let page: PageOf<Value> = self
            .page("users.list", token, &params, "members", cursor, limit)
            .await?;
        let items = page
            .items
            .iter()
            .filter_map(|v| match UserObject::from_json(v) {
                Ok(u) => Some(u),
                Err(reason) => {
                    tracing::warn!(%reason, "users.list member skipped");
                    None
                }
            })
            .collect();
        Ok(PageOf {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// `users.info`, with the person's `locale`.
    pub async fn users_info(&self, token: &Secret, user: &str) -> Result<UserObject, SlackError> {
        self.one_user(
            token,
            "users.info",
            serde_json::json!({ "user": user, "include_locale": true }),
        )
        .await
    }

    /// `users.lookupByEmail` (needs `users:read.email`).
    pub async fn users_lookup_by_email(
        &self,
        token: &Secret,
        email: &str,
    ) -> Result<UserObject, SlackError> {
        self.one_user(
            token,
            "users.lookupByEmail",
            serde_json::json!({ "email": email }),
        )
        .await
    }

    async fn one_user(
        &self,
        token: &Secret,
        method: &str,
        params: Value,
    ) -> Result<UserObject, SlackError> {
        #[derive(Deserialize)]
        struct OneUser {
            user: Value,
        }
        let r: OneUser = self.call_form(method, Auth::Bearer(token), &params).await?;
        UserObject::from_json(&r.user).map_err(|detail| SlackError::Decode {
            method: method.into(),
            detail,
        })
    }

    /// Every member id of a conversation.
    pub async fn conversation_members(
        &self,
        token: &Secret,
        channel: &str,
    ) -> Result<Vec<String>, SlackError> {
        let mut params = Map::new();
        params.insert("channel".into(), Value::from(channel));
        self.all_pages("conversations.members", token, &params, "members", 200)
            .await
    }

    /// The other person of a DM, as the token's owner sees it
    /// (`conversations.info`'s `user`); `None` for other conversations.
    pub async fn im_counterpart(
        &self,
        token: &Secret,
        channel: &str,
    ) -> Result<Option<String>, SlackError> {
        #[derive(Deserialize)]
        struct Info {
            channel: InfoChannel,
        }
        #[derive(Deserialize)]
        struct InfoChannel {
            #[serde(default)]
            is_im: bool,
            user: Option<String>,
        }
        let info: Info = self
            .call_form(
                "conversations.info",
                Auth::Bearer(token),
                &serde_json::json!({ "channel": channel }),
            )
            .await?;
        Ok(info.channel.user.filter(|_| info.channel.is_im))
    }

    /// `auth.teams.list`: the workspaces an organisation-wide install was
    /// granted, each with its name ("Obtain a full list of workspaces your
    /// org-wide app has been approved for"; Tier 2, paged).
    pub async fn granted_teams(&self, token: &Secret) -> Result<Vec<NamedId>, SlackError> {
        self.all_pages("auth.teams.list", token, &Map::new(), "teams", 100)
            .await
    }

    /// `conversations.info` for a channel, as the token's owner sees it.
    pub async fn conversation_info(
        &self,
        token: &Secret,
        channel: &str,
    ) -> Result<ChannelInfo, SlackError> {
        #[derive(Deserialize)]
        struct Info {
            channel: ChannelInfo,
        }
        let info: Info = self
            .call_form(
                "conversations.info",
                Auth::Bearer(token),
                &serde_json::json!({ "channel": channel }),
            )
            .await?;
        Ok(info.channel)
    }

    /// `conversations.join` (bot scope `channels:join`): the bot joins a
    /// public channel; private channels refuse it
    /// (`method_not_supported_for_channel_type`), someone must invite it.
    pub async fn join_channel(&self, token: &Secret, channel: &str) -> Result<(), SlackError> {
        let _: Value = self
            .call_form(
                "conversations.join",
                Auth::Bearer(token),
                &serde_json::json!({ "channel": channel }),
            )
            .await?;
        Ok(())
    }

    /// One page of `users.conversations`: the public and private channels
    /// the token's owner is in, archived ones left out; `team` as for
    /// [`Self::users_page`] ("required if org token is used").
    pub async fn user_channels(
        &self,
        token: &Secret,
        team: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<PageOf<ChannelInfo>, SlackError> {
        let mut params = Map::new();
        params.insert("team_id".into(), Value::from(team));
        params.insert(
            "types".into(),
            Value::from("public_channel,private_channel"),
        );
        params.insert("exclude_archived".into(), Value::from(true));
        self.page(
            "users.conversations",
            token,
            &params,
            "channels",
            cursor,
            limit,
        )
        .await
    }

    /// One page of a thread (`conversations.replies`), oldest first, its
    /// parent first; `cursor` from the previous page.
    pub async fn conversation_replies(
        &self,
        token: &Secret,
        channel: &str,
        thread_ts: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<HistoryPage, SlackError> {
        let mut params = serde_json::json!({ "channel": channel, "ts": thread_ts, "limit": limit });
        if let Some(c) = cursor {
            params["cursor"] = serde_json::json!(c);
        }
        self.call_form("conversations.replies", Auth::Bearer(token), &params)
            .await
    }

    /// One page of `conversations.history`, newest first, older than
    /// `latest` when given.
    pub async fn conversation_history(
        &self,
        token: &Secret,
        channel: &str,
        latest: Option<&str>,
        limit: u32,
    ) -> Result<HistoryPage, SlackError> {
        let mut params =
            serde_json::json!({ "channel": channel, "limit": limit, "inclusive": false });
        if let Some(l) = latest {
            params["latest"] = serde_json::json!(l);
        }
        self.call_form("conversations.history", Auth::Bearer(token), &params)
            .await
    }

    /// `files.info` (needs `files:read`): a shared file's name, title and
    /// permalink, for events that carried only its id (Slack Connect's
    /// `"file_access": "check_file_info"`).
    pub async fn files_info(
        &self,
        token: &Secret,
        file: &str,
    ) -> Result<crate::store::chat::SharedFile, SlackError> {
        #[derive(Deserialize)]
        struct Info {
            file: Value,
        }
        let info: Info = self
            .call_form(
                "files.info",
                Auth::Bearer(token),
                &serde_json::json!({ "file": file }),
            )
            .await?;
        crate::store::chat::SharedFile::from_slack(&info.file).ok_or_else(|| SlackError::Decode {
            method: "files.info".into(),
            detail: "a file without an id".into(),
        })
    }

    /// `views.publish`: replaces `user`'s Home tab with `view`.
    pub async fn publish_home(
        &self,
        token: &Secret,
        user: &str,
        view: &Value,
    ) -> Result<(), SlackError> {
        let _: Value = self
            .call_json(
                "views.publish",
                token,
                &serde_json::json!({ "user_id": user, "view": view }),
            )
            .await?;
        Ok(())
    }

    /// `views.open`: shows `view` as a modal to whoever made the
    /// interaction `trigger_id` came from. The trigger is good for 3
    /// seconds and once (`expired_trigger_id`, `exchanged_trigger_id`:
    /// docs.slack.dev/reference/methods/views.open), so this is called
    /// within the acknowledgement. Returns the opened view's id.
    pub async fn views_open(
        &self,
        token: &Secret,
        trigger_id: &str,
        view: &Value,
    ) -> Result<String, SlackError> {
        let r: OpenedView = self
            .call_json(
                "views.open",
                token,
                &serde_json::json!({ "trigger_id": trigger_id, "view": view }),
            )
            .await?;
        Ok(r.view.id)
    }

    /// `views.update`: replaces the modal view `view_id` (open or in a
    /// stack), whether or not a trigger is at hand. `not_found` once the
    /// person closed it (docs.slack.dev/reference/methods/views.update).
    pub async fn views_update(
        &self,
        token: &Secret,
        view_id: &str,
        view: &Value,
    ) -> Result<(), SlackError> {
        let _: Value = self
            .call_json(
                "views.update",
                token,
                &serde_json::json!({ "view_id": view_id, "view": view }),
            )
            .await?;
        Ok(())
    }

    /// `chat.getPermalink`: a link to one message, a thread reply's with
    /// its thread (docs.slack.dev/reference/methods/chat.getPermalink).
    pub async fn permalink(
        &self,
        token: &Secret,
        channel: &str,
        ts: &str,
    ) -> Result<String, SlackError> {
        let r: Permalink = self
            .call_form(
                "chat.getPermalink",
                Auth::Bearer(token),
                &serde_json::json!({ "channel": channel, "message_ts": ts }),
            )
            .await?;
        Ok(r.permalink)
    }

    /// `calls.add`: registers a Call whose card joins through `join_url`
    /// (docs.slack.dev/reference/methods/calls.add; `calls:write`). With a
    /// bot token `created_by` is required. Returns its `R…` id.
    pub async fn calls_add(
        &self,
        token: &Secret,
        call: &NewCall<'_>,
    ) -> Result<String, SlackError> {
        let r: AddedCall = self.call_json("calls.add", token, call).await?;
        Ok(r.call.id)
    }

    /// `calls.participants.add` / `.remove` (docs.slack.dev/reference/methods/calls.participants.add).
    /// `bad_users` (someone listed already, or not listed) is Slack's
    /// answer even with `"ok": true` in its examples, so it is read from
    /// `error` whatever `ok` says.
    pub async fn calls_participants(
        &self,
        token: &Secret,
        call_id: &str,
        users: &[CallUser],
        add: bool,
    ) -> Result<(), SlackError> {
        let method = if add {
            "calls.participants.add"
        } else {
            "calls.participants.remove"
        };
        let r: Value = self
            .call_json(
                method,
                token,
                &serde_json::json!({ "id": call_id, "users": users }),
            )
            .await?;
        odd_ok_error(method, &r)
    }

    /// `calls.end` with its `duration` in seconds
    /// (docs.slack.dev/reference/methods/calls.end); `inactive_call` when
    /// it had ended already, also answered with `"ok": true`.
    pub async fn calls_end(
        &self,
        token: &Secret,
        call_id: &str,
        duration_secs: i64,
    ) -> Result<(), SlackError> {
        let r: Value = self
            .call_json(
                "calls.end",
                token,
                &serde_json::json!({ "id": call_id, "duration": duration_secs }),
            )
            .await?;
        odd_ok_error("calls.end", &r)
    }

    /// `functions.completeSuccess` with the step's `outputs`, or
    /// `functions.completeError` with a reason people can act on
    /// (docs.slack.dev/reference/methods/functions.completeSuccess; no
    /// scope; the workflow's just-in-time token).
    pub async fn complete_function(
        &self,
        token: &Secret,
        execution_id: &str,
        outcome: Result<&Value, &str>,
    ) -> Result<(), SlackError> {
        let (method, body) = match outcome {
            Ok(outputs) => (
                "functions.completeSuccess",
                serde_json::json!({ "function_execution_id": execution_id, "outputs": outputs }),
            ),
            Err(error) => (
                "functions.completeError",
                serde_json::json!({ "function_execution_id": execution_id, "error": error }),
            ),
        };
        let _: Value = self.call_json(method, token, &body).await?;
        Ok(())
    }

    /// Opens (or finds) the DM with a user; returns the `D…` channel id.
    pub async fn open_dm(&self, token: &Secret, user: &str) -> Result<String, SlackError> {
        let r: OpenedIm = self
            .call_form(
                "conversations.open",
                Auth::Bearer(token),
                &serde_json::json!({ "users": user }),
            )
            .await?;
        Ok(r.channel.id)
    }

    /// `chat.postMessage` with a JSON body: `message` holds `channel`, `text`
    /// and optionally `blocks` (slack-morphism's Block Kit types serialise
    /// into it).
    pub async fn post_message(
        &self,
        token: &Secret,
        message: &impl Serialize,
    ) -> Result<PostedMessage, SlackError> {
        self.call_json("chat.postMessage", token, message).await
    }

    /// Exchanges an OAuth code (`grant_type=authorization_code`).
    pub async fn oauth_v2_access(
        &self,
        client_id: &str,
        client_secret: &Secret,
        code: &str,
        redirect_uri: &str,
    ) -> Result<OAuthV2Access, SlackError> {
        self.call_form(
            "oauth.v2.access",
            Auth::Client {
                client_id,
                client_secret,
            },
            &serde_json::json!({
                "code": code,
                "redirect_uri": redirect_uri,
                "grant_type": "authorization_code",
            }),
        )
        .await
    }

    /// Sign in with Slack: exchanges the code for a user token and an
    /// id_token.
    pub async fn openid_connect_token(
        &self,
        client_id: &str,
        client_secret: &Secret,
        code: &str,
        redirect_uri: &str,
    ) -> Result<OpenIdTokens, SlackError> {
        self.call_form(
            "openid.connect.token",
            Auth::Client {
                client_id,
                client_secret,
            },
            &serde_json::json!({
                "code": code,
                "redirect_uri": redirect_uri,
                "grant_type": "authorization_code",
            }),
        )
        .await
    }

    /// Sign in with Slack: who the user token from
    /// [`Self::openid_connect_token`] belongs to, with the workspace's name.
    pub async fn openid_connect_user_info(
        &self,
        token: &Secret,
    ) -> Result<OpenIdUserInfo, SlackError> {
        self.call_form(
            "openid.connect.userInfo",
            Auth::Bearer(token),
            &serde_json::json!({}),
        )
        .await
    }

    /// A plain JSON document from Slack's side (the OpenID key set), outside
    /// the Web API's `ok` envelope.
    pub async fn get_document<T: DeserializeOwned>(&self, path: &str) -> Result<T, SlackError> {
        let resp = self
            .http
            .get(self.url(path))
            .send()
            .await
            .map_err(|e| transport(path, e))?;
        if !resp.status().is_success() {
            return Err(SlackError::Http {
                method: path.into(),
                status: resp.status().as_u16(),
            });
        }
        resp.json().await.map_err(|e| SlackError::Decode {
            method: path.into(),
            detail: e.without_url().to_string(),
        })
    }

    /// Whether a `response_url` is one hallway will post to: Slack's hooks,
    /// or the configured Slack base (the fake in tests and offline).
    pub fn is_response_url(&self, response_url: &str) -> bool {
        response_url.starts_with("https://hooks.slack.com/")
            || response_url.starts_with("https://hooks.slack-gov.com/")
            || response_url.starts_with(self.base.as_str())
    }

    /// Posts a message to a slash command's `response_url` (up to five times
    /// within 30 minutes, says Slack).
    pub async fn respond(&self, response_url: &str, body: &Value) -> Result<(), SlackError> {
        const METHOD: &str = "response_url";
        if !self.is_response_url(response_url) {
            return Err(SlackError::Api {
                method: METHOD.into(),
                code: "untrusted_response_url".into(),
            });
        }
        let resp = self
            .http
            .post(response_url)
            .json(body)
            .timeout(crate::deadline::cap(self.timeout))
            .send()
            .await
            .map_err(|e| transport(METHOD, e))?;
        let status = resp.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(SlackError::RateLimited {
                retry_after: Duration::from_secs(1),
            });
        }
        if status.is_success() {
            return Ok(());
        }
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
            return Err(SlackError::Api {
                method: METHOD.into(),
                code: "expired_url".into(),
            });
        }
        Err(SlackError::Http {
            method: METHOD.into(),
            status: status.as_u16(),
        })
    }

    /// Spends a refresh token for a new token pair (token rotation).
    pub async fn oauth_v2_refresh(
        &self,
        client_id: &str,
        client_secret: &Secret,
        refresh_token: &Secret,
    ) -> Result<OAuthV2Access, SlackError> {
        self.call_form(
            "oauth.v2.access",
            Auth::Client {
                client_id,
                client_secret,
            },
            &serde_json::json!({
                "grant_type": "refresh_token",
                "refresh_token": refresh_token.expose(),
            }),
        )
        .await
    }
}

/// A request that did not get an answer: timed out, or never connected.
fn transport(method: &str, e: reqwest::Error) -> SlackError {
    if e.is_timeout() {
        SlackError::Timeout {
            method: method.into(),
        }
    } else {
        SlackError::Transport {
            method: method.into(),
            maybe_sent: !e.is_connect(),
            // Without the URL: nothing secret is in ours, but keep logs short.
            detail: e.without_url().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn form_fields_encode_structures_as_json() {
        let fields = form_fields(&json!({
            "channel": "C1", "text": "hi", "unfurl_links": false,
            "blocks": [{"type": "divider"}], "skip": null
        }))
        .unwrap();
        let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.as_str());
        assert_eq!(get("channel"), Some("C1"));
        assert_eq!(get("unfurl_links"), Some("false"));
        assert_eq!(get("blocks"), Some(r#"[{"type":"divider"}]"#));
        assert_eq!(get("skip"), None);
    }

    #[test]
    fn oauth_tokens_never_print() {
        let r: OAuthV2Access = serde_json::from_value(json!({
            "ok": true, "access_token": "xoxe.xoxb-1-secret", "token_type": "bot",
            "scope": "commands", "refresh_token": "xoxe-1-refresh", "expires_in": 43200
        }))
        .unwrap();
        let shown = format!("{r:?}");
        assert!(!shown.contains("xoxb"), "{shown}");
        assert!(!shown.contains("xoxe-1"), "{shown}");
        assert_eq!(r.expires_in, Some(43200));
    }
}
