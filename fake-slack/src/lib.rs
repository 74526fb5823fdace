//! A stateful fake of Slack, owned by hallway, for tests and for running the
//! bundle offline (`hallway-local serve --slack fake`).
//!
//! It serves Slack's paths under one base URL, in Slack's wire format (form or
//! JSON bodies, bearer or client-credential auth, the `ok` envelope, HTTP 429
//! with `Retry-After`), so hallway's production client cannot tell it apart:
//!
//! - `POST /api/{method}`: `auth.test`, `users.list` (paged), `users.info`,
//!   `users.lookupByEmail`, `conversations.members` (paged),
//!   `conversations.info`, `conversations.open`, `conversations.history`
//!   (paged), `conversations.join`, `users.conversations` (paged),
//!   `chat.postMessage` (to `D…`, `C…` or a user id),
//!   `chat.postEphemeral`, `chat.update`, `chat.delete`, `chat.unfurl`,
//!   `chat.getPermalink`,
//!   `views.publish`, `views.open`, `views.push`, `views.update`
//!   (modals, opened with a `trigger_id` the fake handed out),
//!   `calls.add`, `calls.info`, `calls.update`, `calls.end`,
//!   `calls.participants.add` / `.remove`,
//!   `functions.completeSuccess`, `functions.completeError`,
//!   `apps.uninstall`,
//!   `oauth.v2.access` (code exchange and refresh-token rotation),
//!   `openid.connect.token`, `openid.connect.userInfo`;
//! - `GET /oauth/v2/authorize` and `GET /openid/connect/authorize`: pages that
//!   approve at once and redirect back with a code (or `access_denied` when a
//!   `Deny` fault is set);
//! - `GET /openid/connect/keys`: the JWKS for the RS256 id_tokens.
//!
//! Per-method rate limits follow Slack's documented tiers, per workspace
//! (and per channel for `chat.postMessage`). Faults (HTTP errors, Slack
//! errors, 429s, delays, denials) can be injected per method and team, and
//! every call is recorded. Tests drive all of this through [`FakeSlack`]; other
//! processes through the control routes under `/_fake/`.
//!
//! Given an events target, it delivers Events API callbacks, signed, for
//! DM messages and their edits and deletions (through the bot's or a
//! linked person's subscription, as Slack would), messages in channels
//! and group DMs the bot is in, `link_shared` for
//! links to the app's unfurl domains, and `member_joined_channel`,
//! `member_left_channel`, `channel_left` / `group_left`,
//! `channel_archive` / `group_archive` and
//! `channel_rename` when a test (or `/_fake/channels/…`) changes a channel,
//! `tokens_revoked` and `app_uninstalled` when the app is removed, and
//! `app_home_opened` when someone opens the Home tab
//! (`views.publish` keeps what the app drew). A delivery not answered 2xx
//! within 3 seconds is retried on Slack's schedule, with Slack's retry
//! headers.
//!
//! Enterprise Grid: workspaces may belong to an organisation
//! ([`Enterprise`], [`TeamSeed::grid_pair`]); the app can be installed
//! org-wide (`org_deploy_enabled`, [`FakeSlack::act_as_org`]) with
//! org-level tokens that act in the workspaces an admin granted
//! (`team_access_granted`), need `team_id` where Slack's pages say so,
//! and whose events, commands and clicks say `is_enterprise_install`.
//!
//! Given the slash command's and interactivity's Request URLs, it runs a
//! command, a button click, a global or message shortcut, a modal
//! submission, or a person dismissing a modal (`view_closed` when the view
//! asked for it) as Slack would and records what the person saw: the app's
//! answer (for a submission, what its `response_action` did to the modal),
//! or `operation_timeout` when no acknowledgement came within 3 seconds.
//! What the app posts to a `response_url` the fake issued is recorded and,
//! when `in_channel`, posted by the app's bot in the interaction's
//! conversation (`call` blocks checked as for `chat.postMessage`).
//! Workflow custom steps run as `function_executed` events with a
//! just-in-time `xwfp-` token.
//!
//! # Layout
//! - [`world`]: the state: app, workspaces, tokens, codes, faults, limits,
//!   the call record.
//! - `api`: the Web API dispatcher and methods.
//! - [`oidc`]: authorize pages, OpenID Connect token/userInfo, JWKS.
//! - `control`: the `/_fake/` routes.
//! - `events`: Events API callbacks for what happens in DMs, and their
//!   retries.
//! - [`interactive`]: slash commands and interactivity payloads.
//! - `native`: modals, Slack Calls and custom steps' Web API methods.

mod api;
mod control;
mod events;
pub mod interactive;
mod native;
pub mod oidc;
pub mod world;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use interactive::{BlockAction, CloseOutcome, CommandOutcome, RequestTarget, SubmitOutcome};
pub use world::{
    AppConfig, ChannelSeed, Distribution, Enterprise, EventsTarget, Fault, FaultKind, Limit,
    Message, OrgInstall, RecordedCall, ResponseUrl, TeamSeed, TokenKind, UserSeed, World,
};

/// The fake's state, shared by its handlers and its [`FakeSlack`] handle.
#[derive(Clone)]
pub struct Shared(Arc<Mutex<World>>);

impl Shared {
    pub fn new(world: World) -> Self {
        Self(Arc::new(Mutex::new(world)))
    }

    /// Locks the world. Handlers never hold the lock across an await.
    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The fake's routes, to serve on their own or to nest.
pub fn router(shared: Shared) -> Router {
    Router::new()
        .route("/api/{method}", post(api::handle).get(api::handle))
        .route("/oauth/v2/authorize", get(oidc::oauth_authorize))
        .route("/openid/connect/authorize", get(oidc::openid_authorize))
        .route("/openid/connect/keys", get(oidc::keys))
        .route("/response/{id}", post(respond))
        .merge(control::routes())
        .with_state(shared)
}

/// A slash command's, click's or message shortcut's `response_url` (Slack
/// serves these under `hooks.slack.com/commands/…` and `…/actions/…`):
/// records what was posted ([`FakeSlack::responses`]).
///
/// For a URL the fake issued ([`world::World::response_urls`]) the post
/// also acts in the interaction's conversation: `call` blocks must name
/// Calls of the workspace, as for chat.postMessage
/// (`native::call_block_ids`); an `in_channel` answer ("you can specify a
/// value of `in_channel` to post the response into the channel",
/// https://docs.slack.dev/interactivity/implementing-slash-commands) is a
/// message of the app's bot in that conversation, even one the bot is not
/// in: the Calls guide sends a `call` block this way where "Your app might
/// not have permission to post to private channels, multi-party direct
/// messages, or direct messages … via the usual chat.postMessage method"
/// (https://docs.slack.dev/apis/web-api/using-the-calls-api, "Post the
/// Call to channel"); its Calls then list the conversation. An ephemeral
/// answer (the default) is seen only by the person and stays out of the
/// conversation's messages (the fake's reading: it keeps it only in
/// `responses`). `replace_original` / `delete_original` are not modelled.
/// A URL the fake did not issue (a test's [`FakeSlack::response_url`]) is
/// only recorded.
///
/// Errors are an HTTP status and the error's name as a plain-text body,
/// as incoming webhooks answer (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks:
/// "HTTP 400 Bad Request … `invalid_payload`", "HTTP 404 Not Found …
/// `channel_not_found`"); no error form for `response_url`s was found on
/// handling-user-interaction, so the form, `invalid_blocks` with 400 for a
/// bad `call` block and `channel_not_found` for a conversation gone since,
/// are the fake's reading. A refused post is not recorded and does not count
/// towards the five uses.
async fn respond(
    axum::extract::State(shared): axum::extract::State<Shared>,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> (http::StatusCode, &'static str) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return (http::StatusCode::BAD_REQUEST, "invalid_payload");
    };
    {
        let mut w = shared.lock();
        // "These responses can be sent up to 5 times within 30 minutes of
        // receiving the payload"
        // (https://docs.slack.dev/interactivity/handling-user-interaction);
        // the 30 minutes are not modelled. `used_url` is the fake's word.
        if w.responses.get(&id).is_some_and(|list| list.len() >= 5) {
            return (http::StatusCode::NOT_FOUND, "used_url");
        }
        let origin = w.response_urls.get(&id).cloned();
        if let Some(o) = &origin
            && let Err(status) = post_response(&mut w, o, &value)
        {
            return status;
        }
        w.responses
            .entry(id.clone())
            .or_default()
            .push(value.clone());
        w.record(RecordedCall {
            seq: 0,
            method: "response_url".into(),
            at_millis: 0,
            team: origin.as_ref().map(|o| o.team.clone()),
            auth: "none".into(),
            params: serde_json::json!({ "id": id, "body": value }),
            status: 200,
            error: None,
            retry_after: None,
        });
    }
    events::flush(&shared);
    (http::StatusCode::OK, "ok")
}

/// What a post to an issued `response_url` does in its conversation (see
/// [`respond`]); `Err` is the HTTP answer of a refused post, which leaves
/// everything as it was.
fn post_response(
    w: &mut World,
    origin: &world::ResponseUrl,
    value: &serde_json::Value,
) -> Result<(), (http::StatusCode, &'static str)> {
    let gone = (http::StatusCode::NOT_FOUND, "channel_not_found");
    let team = w.teams.get(&origin.team).ok_or(gone)?;
    if !team.channels.contains_key(&origin.channel) {
        return Err(gone);
    }
    let bot = team.seed.bot_user_id.clone();
    let blocks = value.get("blocks").filter(|b| b.is_array());
    let calls = native::call_block_ids(w, &origin.team, blocks)
        .map_err(|_| (http::StatusCode::BAD_REQUEST, "invalid_blocks"))?;
    // "by default it is set to `ephemeral`" (implementing-slash-commands).
    if value["response_type"] != "in_channel" {
        return Ok(());
    }
    native::list_channel(w, &calls, &origin.channel);
    let text = value["text"].as_str().unwrap_or_default();
    let mut msg = Message::new("", &bot, text);
    msg.blocks = blocks.cloned();
    // The app's bot speaks, as a bot token's chat.postMessage does.
    msg.bot = true;
    api::post(w, &origin.team, &origin.channel, msg, false);
    Ok(())
}

/// A running fake Slack on a loopback port.
pub struct FakeSlack {
    shared: Shared,
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeSlack {
    /// Starts on a free loopback port with the given app and workspaces.
    pub async fn start(app: AppConfig, teams: Vec<TeamSeed>) -> anyhow::Result<Self> {
        Self::start_on("127.0.0.1:0".parse()?, app, teams).await
    }

    pub async fn start_on(
        addr: SocketAddr,
        app: AppConfig,
        teams: Vec<TeamSeed>,
    ) -> anyhow::Result<Self> {
        let mut world = World::new(app);
        for t in teams {
            world.add_team(t);
        }
        let shared = Shared::new(world);
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = router(shared.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "fake Slack stopped");
            }
        });
        Ok(Self { shared, addr, task })
    }

    /// The value for `SLACK_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Runs `f` with the world locked.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut self.shared.lock())
    }

    pub fn calls(&self) -> Vec<RecordedCall> {
        self.shared.lock().calls.clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<RecordedCall> {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    pub fn clear_calls(&self) {
        self.shared.lock().calls.clear();
    }

    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push(fault);
    }

    /// Installs the app in a team without the OAuth dance; returns the bot
    /// token.
    pub fn issue_bot_token(&self, team: &str, scopes: &[&str]) -> String {
        let mut w = self.shared.lock();
        let bot = w.teams[team].seed.bot_user_id.clone();
        w.teams.get_mut(team).expect("team exists").installed = true;
        w.mint_token(
            team,
            &bot,
            TokenKind::Bot,
            scopes.iter().map(|s| (*s).to_owned()).collect(),
        )
        .0
    }

    /// A user token for a person, as user-scope OAuth would give.
    pub fn issue_user_token(&self, team: &str, user: &str, scopes: &[&str]) -> String {
        self.shared
            .lock()
            .mint_token(
                team,
                user,
                TokenKind::User,
                scopes.iter().map(|s| (*s).to_owned()).collect(),
            )
            .0
    }

    /// Overrides one method's limit (`chat.postMessage#channel` for the
    /// per-channel one).
    pub fn set_limit(&self, method: &str, limit: Limit) {
        self.shared
            .lock()
            .limit_overrides
            .insert(method.into(), limit);
    }

    /// Moves the fake's clock forward: rate windows pass and tokens age as
    /// if that much time went by.
    pub fn advance(&self, by: std::time::Duration) {
        self.shared.lock().advance(by);
    }

    /// About one Web API call in `n` answers HTTP 503 (`None`: never).
    /// The pseudo-random sequence restarts here, so the same calls after
    /// this point meet the same 503s however many calls came before.
    pub fn set_server_errors_every(&self, n: Option<u32>) {
        self.shared.lock().set_server_errors_every(n);
    }

    pub fn set_limits_enabled(&self, on: bool) {
        self.shared.lock().limits_enabled = on;
    }

    /// Caps every page, whatever `limit` the caller asked for.
    pub fn set_max_page(&self, n: usize) {
        self.shared.lock().max_page = n.max(1);
    }

    /// Makes the authorize pages approve as this person (a workspace
    /// install: it ends any [`FakeSlack::act_as_org`]).
    pub fn act_as(&self, team: &str, user: &str) {
        let mut w = self.shared.lock();
        w.acting = Some((team.into(), user.into()));
        w.acting_org = None;
    }

    /// Makes the install page install the app org-wide into `enterprise`,
    /// approved by `user` of `team` (an admin of the organisation), as an
    /// org admin choosing the organisation on Slack's page would. The app
    /// needs [`AppConfig::org_deploy_enabled`].
    pub fn act_as_org(&self, enterprise: &str, team: &str, user: &str) {
        let mut w = self.shared.lock();
        w.acting = Some((team.into(), user.into()));
        w.acting_org = Some(enterprise.into());
    }

    /// Registers an Enterprise Grid organisation (its workspaces name it in
    /// [`TeamSeed::enterprise_id`]).
    pub fn add_enterprise(&self, enterprise: Enterprise) {
        self.shared.lock().add_enterprise(enterprise);
    }

    /// Installs the app org-wide into `enterprise` without the OAuth dance
    /// and returns the org-level bot token; no workspace is granted yet
    /// ([`FakeSlack::grant_team_access`]).
    ///
    /// # Panics
    /// For an enterprise without workspaces.
    pub fn issue_org_bot_token(&self, enterprise: &str, scopes: &[&str]) -> String {
        let mut w = self.shared.lock();
        let bot = w
            .org_bot_user(enterprise)
            .unwrap_or_else(|| panic!("the fake has no workspace in {enterprise}"));
        events::install_org(&mut w, enterprise);
        w.mint_org_token(
            enterprise,
            &bot,
            TokenKind::Bot,
            scopes.iter().map(|s| (*s).to_owned()).collect(),
        )
        .0
    }

    /// An org-level user token for a person of `enterprise`.
    pub fn issue_org_user_token(&self, enterprise: &str, user: &str, scopes: &[&str]) -> String {
        self.shared
            .lock()
            .mint_org_token(
                enterprise,
                user,
                TokenKind::User,
                scopes.iter().map(|s| (*s).to_owned()).collect(),
            )
            .0
    }

    /// An org admin adds the org-installed app to `teams`
    /// (`team_access_granted` to the app); `false` without a live org
    /// install, or for a team not of the organisation.
    pub fn grant_team_access(&self, enterprise: &str, teams: &[&str]) -> bool {
        let teams: Vec<String> = teams.iter().map(|t| (*t).to_owned()).collect();
        let done = events::grant_team_access(&mut self.shared.lock(), enterprise, &teams);
        events::flush(&self.shared);
        done
    }

    /// The org-installed app is removed from `teams` (`team_access_revoked`).
    pub fn revoke_team_access(&self, enterprise: &str, teams: &[&str]) -> bool {
        let teams: Vec<String> = teams.iter().map(|t| (*t).to_owned()).collect();
        let done = events::revoke_team_access(&mut self.shared.lock(), enterprise, &teams);
        events::flush(&self.shared);
        done
    }

    /// An org admin removes the org-wide install: its tokens die, and the
    /// app hears `tokens_revoked` and `app_uninstalled`; `false` when the
    /// app was never installed org-wide there.
    pub fn uninstall_org(&self, enterprise: &str) -> bool {
        let done = events::uninstall_org(&mut self.shared.lock(), enterprise);
        events::flush(&self.shared);
        done
    }

    /// Messages in a conversation, oldest first.
    pub fn messages(&self, team: &str, channel: &str) -> Vec<Message> {
        self.shared
            .lock()
            .teams
            .get(team)
            .and_then(|t| t.channels.get(channel))
            .map(|c| c.messages.clone())
            .unwrap_or_default()
    }

    /// Messages in the bot's DM with a user, oldest first.
    pub fn dm_messages(&self, team: &str, user: &str) -> Vec<Message> {
        let w = self.shared.lock();
        let Some(t) = w.teams.get(team) else {
            return Vec::new();
        };
        t.dms
            .get(&world::im_key(&t.seed.bot_user_id, user))
            .and_then(|d| t.channels.get(d))
            .map(|c| c.messages.clone())
            .unwrap_or_default()
    }

    /// Messages in the DM between two people, oldest first.
    pub fn im_messages(&self, team: &str, a: &str, b: &str) -> Vec<Message> {
        let w = self.shared.lock();
        let Some(t) = w.teams.get(team) else {
            return Vec::new();
        };
        t.dms
            .get(&world::im_key(a, b))
            .and_then(|d| t.channels.get(d))
            .map(|c| c.messages.clone())
            .unwrap_or_default()
    }

    /// `user` joins `channel` (`member_joined_channel` to the app when its
    /// bot is in the channel); `false` for an unknown team or channel.
    pub fn join_channel(&self, team: &str, channel: &str, user: &str) -> bool {
        let joined = events::join_channel(&mut self.shared.lock(), team, channel, user);
        events::flush(&self.shared);
        joined
    }

    /// `user` archives `channel`: it turns `is_archived` and the app hears
    /// `channel_archive` / `group_archive` when its bot is a member; `false`
    /// for an unknown team or channel, or a DM.
    pub fn archive_channel(&self, team: &str, channel: &str, user: &str) -> bool {
        let done = events::archive_channel(&mut self.shared.lock(), team, channel, user);
        events::flush(&self.shared);
        done
    }

    /// `by` removes `user` from `channel`: the app hears `channel_left` /
    /// `group_left` when `user` is its bot, else `member_left_channel` when
    /// its bot is still in the channel; `false` for an unknown team or
    /// channel, or a DM.
    pub fn remove_from_channel(&self, team: &str, channel: &str, user: &str, by: &str) -> bool {
        let done = events::remove_from_channel(&mut self.shared.lock(), team, channel, user, by);
        events::flush(&self.shared);
        done
    }

    /// `user` writes `text` in `channel` (a reply when `thread_ts` is
    /// given), as if in Slack's client: stored like a `chat.postMessage`
    /// with a user token, with the same events (the message event,
    /// `link_shared`). Returns the message's `ts`.
    ///
    /// # Panics
    /// For a team or channel the fake does not know.
    pub fn post_as(
        &self,
        team: &str,
        channel: &str,
        user: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> String {
        let ts = {
            let mut w = self.shared.lock();
            assert!(
                w.teams
                    .get(team)
                    .is_some_and(|t| t.channels.contains_key(channel)),
                "the fake has no channel {channel} in {team}"
            );
            let mut msg = Message::new("", user, text);
            msg.thread_ts = thread_ts.map(str::to_owned);
            let posted = api::post(&mut w, team, channel, msg, false);
            let ts = posted["ts"].as_str().unwrap_or_default().to_owned();
            events::queue_link_shared(&mut w, team, channel, user, &ts, text);
            ts
        };
        events::flush(&self.shared);
        ts
    }

    /// The members of a conversation (empty for an unknown one).
    pub fn channel_members(&self, team: &str, channel: &str) -> Vec<String> {
        self.shared
            .lock()
            .teams
            .get(team)
            .and_then(|t| t.channels.get(channel))
            .map(|c| c.members.clone())
            .unwrap_or_default()
    }

    /// Adds a person to `team` (`team_join` to the app) or replaces their
    /// profile (`user_change`); `false` for an unknown team.
    pub fn upsert_user(&self, team: &str, user: UserSeed) -> bool {
        let done = events::upsert_user(&mut self.shared.lock(), team, user);
        events::flush(&self.shared);
        done
    }

    /// `user` shares a file in `channel` (a `file_share` message, and its
    /// event); `connect` for someone of another organisation, whose event
    /// carries only the `check_file_info` stub. Returns (ts, file id).
    pub fn share_file(
        &self,
        team: &str,
        channel: &str,
        user: &str,
        name: &str,
        text: &str,
        connect: bool,
    ) -> Option<(String, String)> {
        let shared = events::share_file(
            &mut self.shared.lock(),
            team,
            channel,
            user,
            name,
            text,
            connect,
        );
        events::flush(&self.shared);
        shared
    }

    /// Opens (or finds) the DM between two people of `team`; its id.
    pub fn dm_between(&self, team: &str, a: &str, b: &str) -> String {
        api::open_dm(&mut self.shared.lock(), team, a, b).0
    }

    /// Shares `channel` with another organisation whose `people` join it
    /// (a `G…` id becomes `C…`, with `channel_id_changed`); its id after.
    pub fn share_channel(
        &self,
        team: &str,
        channel: &str,
        people: Vec<UserSeed>,
    ) -> Option<String> {
        let id = events::share_channel(&mut self.shared.lock(), team, channel, people);
        events::flush(&self.shared);
        id
    }

    /// Renames `channel` (`channel_rename` / `group_rename` to the app).
    pub fn rename_channel(&self, team: &str, channel: &str, name: &str) -> bool {
        let renamed = events::rename_channel(&mut self.shared.lock(), team, channel, name);
        events::flush(&self.shared);
        renamed
    }

    /// Someone removes the app from `team`: its tokens die, and the app
    /// hears `tokens_revoked` and `app_uninstalled`.
    pub fn uninstall(&self, team: &str) -> bool {
        let done = events::uninstall(&mut self.shared.lock(), team);
        events::flush(&self.shared);
        done
    }

    /// `user` opens the app's Home tab (`app_home_opened` to the app).
    pub fn open_home(&self, team: &str, user: &str) -> bool {
        let opened = events::open_home(&mut self.shared.lock(), team, user);
        events::flush(&self.shared);
        opened
    }

    /// The Home tab last published for `user`.
    pub fn home_view(&self, team: &str, user: &str) -> Option<serde_json::Value> {
        self.shared
            .lock()
            .teams
            .get(team)?
            .home_views
            .get(user)
            .cloned()
    }

    /// Sets a person's locale (an IETF tag such as `fr-FR`), which
    /// `users.info` and `users.list` return with `include_locale=true`;
    /// `false` for an unknown team or person. No event is sent (the fake's
    /// reading: a locale is a client setting, not a profile field).
    pub fn set_locale(&self, team: &str, user: &str, locale: &str) -> bool {
        let mut w = self.shared.lock();
        let Some(u) = w
            .teams
            .get_mut(team)
            .and_then(|t| t.seed.users.iter_mut().find(|u| u.id == user))
        else {
            return false;
        };
        u.locale = locale.to_owned();
        true
    }

    /// The modal view `user` has open (the top of its stack, as
    /// `views.open`, `views.push`, `views.update` and submissions left it);
    /// `None` when none is open.
    pub fn open_view(&self, team: &str, user: &str) -> Option<serde_json::Value> {
        self.shared
            .lock()
            .teams
            .get(team)?
            .modals
            .get(user)?
            .last()
            .cloned()
    }

    /// A Slack Call registered with `calls.add` (its `call` object as
    /// `calls.info` answers it), by `R…` id.
    pub fn call(&self, id: &str) -> Option<serde_json::Value> {
        self.shared
            .lock()
            .slack_calls
            .get(id)
            .map(|c| c.call.clone())
    }

    /// Whether `team` lets the app be a Calls provider (default `true`);
    /// without it `calls.add` answers `not_allowed` (the fake's reading:
    /// Slack's docs name no error for it). `false` for an unknown team.
    pub fn set_calls_allowed(&self, team: &str, allowed: bool) -> bool {
        let mut w = self.shared.lock();
        let Some(t) = w.teams.get_mut(team) else {
            return false;
        };
        t.calls_allowed = allowed;
        true
    }

    /// A workflow runs the app's custom step `callback_id` with `inputs`:
    /// a `function_executed` event with a just-in-time `xwfp-` token
    /// (`bot_access_token`) good until the step completes. Returns the
    /// `function_execution_id`.
    ///
    /// # Panics
    /// For a team the fake does not know.
    pub fn run_function(&self, team: &str, callback_id: &str, inputs: serde_json::Value) -> String {
        let id = events::run_function(&mut self.shared.lock(), team, callback_id, inputs)
            .unwrap_or_else(|| panic!("the fake has no team {team}"));
        events::flush(&self.shared);
        id
    }

    /// How a custom step ended: `{"outputs": …}` after
    /// `functions.completeSuccess`, `{"error": …}` after
    /// `functions.completeError`; `None` while it runs (or for an unknown
    /// id).
    pub fn function_outcome(&self, execution_id: &str) -> Option<serde_json::Value> {
        self.shared
            .lock()
            .executions
            .get(execution_id)?
            .outcome
            .clone()
    }

    /// Delivers Events API callbacks to `url`, signed with `signing_secret`.
    pub fn deliver_events_to(&self, url: &str, signing_secret: &str) {
        self.shared.lock().events = Some(EventsTarget::new(url, signing_secret));
    }

    /// Waits before each retry of a failed event delivery; Slack's are
    /// 0 s, 1 min and 5 min, the default. Fewer entries,
    /// fewer retries; more than Slack's three are not used.
    pub fn set_event_retry_delays(&self, delays: &[std::time::Duration]) {
        self.shared.lock().event_retry_delays = delays.to_vec();
    }

    /// The Redirect URLs registered for the app (empty: any `redirect_uri`
    /// is let through), for when the app's address is known only after
    /// the fake started.
    pub fn set_redirect_urls(&self, urls: &[String]) {
        self.shared.lock().app.redirect_urls = urls.to_vec();
    }

    /// The slash command's Request URL, signed with `signing_secret`.
    pub fn commands_to(&self, url: &str, signing_secret: &str) {
        self.shared.lock().commands = Some(RequestTarget::new(url, signing_secret));
    }

    /// Interactivity's Request URL, signed with `signing_secret`.
    pub fn interactivity_to(&self, url: &str, signing_secret: &str) {
        self.shared.lock().interactivity = Some(RequestTarget::new(url, signing_secret));
    }

    /// `user` runs `command text` in `channel` of `team`; what they saw.
    /// Recorded as `commands.deliver`.
    ///
    /// # Panics
    /// Without [`FakeSlack::commands_to`], or for a team, channel or user
    /// the fake does not know.
    pub async fn run_command(
        &self,
        team: &str,
        channel: &str,
        user: &str,
        command: &str,
        text: &str,
    ) -> CommandOutcome {
        interactive::run_command(
            &self.shared,
            &self.base_url(),
            team,
            channel,
            user,
            command,
            text,
        )
        .await
        .unwrap_or_else(|e| panic!("the fake cannot run {command}: {e}"))
    }

    /// `user` clicks a button in `channel` of `team` (a `block_actions`
    /// payload); what they saw. Recorded as `interactivity.deliver`.
    ///
    /// # Panics
    /// Without [`FakeSlack::interactivity_to`], or for a team, channel or
    /// user the fake does not know.
    pub async fn run_block_action(
        &self,
        team: &str,
        channel: &str,
        user: &str,
        action: &BlockAction,
    ) -> CommandOutcome {
        interactive::run_block_action(&self.shared, &self.base_url(), team, channel, user, action)
            .await
            .unwrap_or_else(|e| panic!("the fake cannot click {}: {e}", action.action_id))
    }

    /// `user` runs the app's global shortcut `callback_id` (a `shortcut`
    /// payload with a fresh `trigger_id`); what they saw. Recorded as
    /// `interactivity.deliver`.
    ///
    /// # Panics
    /// Without [`FakeSlack::interactivity_to`], or for a team or user the
    /// fake does not know.
    pub async fn run_shortcut(&self, team: &str, user: &str, callback_id: &str) -> CommandOutcome {
        interactive::run_shortcut(&self.shared, team, user, callback_id)
            .await
            .unwrap_or_else(|e| panic!("the fake cannot run shortcut {callback_id}: {e}"))
    }

    /// `user` runs the message shortcut `callback_id` on the message
    /// `message_ts` of `channel` (a `message_action` payload with the
    /// message, a `response_url` and a fresh `trigger_id`); what they saw.
    /// Recorded as `interactivity.deliver`.
    ///
    /// # Panics
    /// Without [`FakeSlack::interactivity_to`], or for a team, channel,
    /// user or message the fake does not know.
    pub async fn run_message_shortcut(
        &self,
        team: &str,
        channel: &str,
        user: &str,
        message_ts: &str,
        callback_id: &str,
    ) -> CommandOutcome {
        interactive::run_message_shortcut(
            &self.shared,
            &self.base_url(),
            team,
            channel,
            user,
            message_ts,
            callback_id,
        )
        .await
        .unwrap_or_else(|e| panic!("the fake cannot run shortcut {callback_id}: {e}"))
    }

    /// `user` submits the modal they have open, with `values` as its
    /// `state.values` (`{block_id: {action_id: {type, value…}}}`); what
    /// came of it (see [`SubmitOutcome`]). Recorded as
    /// `interactivity.deliver`.
    ///
    /// # Panics
    /// Without [`FakeSlack::interactivity_to`], for a team or user the fake
    /// does not know, or when `user` has no modal open.
    pub async fn submit_view(
        &self,
        team: &str,
        user: &str,
        values: serde_json::Value,
    ) -> SubmitOutcome {
        interactive::submit_view(&self.shared, team, user, values)
            .await
            .unwrap_or_else(|e| panic!("the fake cannot submit {user}'s view: {e}"))
    }

    /// `user` dismisses the modal they have open (its _x_ button): every
    /// view of its stack closes, and the app gets a `view_closed` payload
    /// when the view on top has `notify_on_close` (see [`CloseOutcome`]).
    /// Recorded as `interactivity.deliver` when a payload was sent.
    ///
    /// # Panics
    /// For a team the fake does not know, when `user` has no modal open, or
    /// when a payload is due without [`FakeSlack::interactivity_to`] (the
    /// modal then stays open).
    pub async fn close_view(&self, team: &str, user: &str) -> CloseOutcome {
        interactive::close_view(&self.shared, team, user)
            .await
            .unwrap_or_else(|e| panic!("the fake cannot close {user}'s view: {e}"))
    }

    /// A fresh `response_url` on this fake.
    pub fn response_url(&self, id: &str) -> String {
        format!("{}/response/{id}", self.base_url())
    }

    /// What was posted to the `response_url` with this id.
    pub fn responses(&self, id: &str) -> Vec<serde_json::Value> {
        self.shared
            .lock()
            .responses
            .get(id)
            .cloned()
            .unwrap_or_default()
    }

    pub fn unfurls(&self, team: &str) -> Vec<serde_json::Value> {
        self.shared
            .lock()
            .teams
            .get(team)
            .map(|t| t.unfurls.clone())
            .unwrap_or_default()
    }
}
