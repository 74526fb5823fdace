//! Events API delivery: what the fake sends the app, in Slack's wire
//! format, when something happens in a conversation.
//!
//! A message in a DM is delivered once to the app (as Slack does: one
//! callback per app, `authorizations` naming one installation that can see
//! it): through the bot's subscription when the app's bot is in the DM,
//! else through the user-token subscription of a person in it who granted
//! the app `im:history`. A message in a channel or group DM reaches the app
//! through its bot when the bot is a member. Nobody subscribed, no
//! delivery. Channel changes (joins, removals, renames, archiving) are
//! delivered through the bot's subscription too. Callbacks are
//! signed (v0) with the target's signing secret and POSTed after the call
//! that caused them has been answered; one not answered 2xx within 3
//! seconds is retried as Slack retries it (see [`deliver`]). Each attempt
//! is recorded as a call `events.deliver` (status, retry number and reason,
//! and any error), so tests can see it.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::Shared;
use crate::world::{EventsTarget, RecordedCall, TokenKind, UserSeed, World, random_hex};

/// Queues the callback for a message event in `channel`, if the app can see it.
///
/// Slack sends one callback per app, and its `authorizations` "describes
/// _one_ of the installations that this event is visible to"
/// (docs.slack.dev/apis/events-api; changelog 2020-09-15
/// events-api-truncate-authed-users), without saying which. Who can see a
/// DM: the app's bot when it is in the DM, and every person in it who
/// granted the app `im:history` (the user-token subscription). When
/// several can, the fake takes them in turn, so a DM with the app arrives
/// now under the bot's authorization, now under the person's.
///
/// In a public channel (`message.channels`, `channel_type: "channel"`), a
/// private channel (`message.groups`, `"group"`) or a group DM
/// (`message.mpim`, `"mpim"`), the bot hears messages "posted to a
/// channel" it is in: events/message.channels, …/message.groups,
/// …/message.mpim ("A message was posted to a channel/private
/// channel/multiparty direct message"; a bot user's events cover the
/// conversations it belongs to, docs.slack.dev/apis/events-api, "Event
/// types"). Only through the bot's installation here: user-token
/// subscriptions to channel messages are not modelled. Bot messages
/// (the app's own included) are delivered too, with their `bot_id`:
/// Slack does not filter them, the app does.
pub(crate) fn queue_message_event(world: &mut World, team: &str, channel: &str, event: Value) {
    let t = &world.teams[team];
    let Some(ch) = t.channels.get(channel) else {
        return;
    };
    let bot = t.seed.bot_user_id.clone();
    let bot_sees = ch.members.contains(&bot) && t.installed;
    if !ch.is_im {
        if bot_sees {
            let authorization = bot_authorization(world, team);
            push_callback(world, team, event, authorization);
        }
        return;
    }
    let mut can_see: Vec<Value> = Vec::new();
    if bot_sees {
        can_see.push(bot_authorization(world, team));
    }
    // An org-level user token reaches the DMs of the org install's granted
    // workspaces, under an org authorization (as [`bot_authorization`]).
    let org = world.org_install_of(team).map(str::to_owned);
    for m in &ch.members {
        let subscription = world.tokens.values().find(|tok| {
            (tok.team == team || (tok.org.is_some() && tok.org == org))
                && &tok.user == m
                && tok.kind == TokenKind::User
                && !tok.revoked
                && tok.scopes.iter().any(|s| s == "im:history")
        });
        match subscription.and_then(|tok| tok.org.clone()) {
            Some(e) => can_see.push(json!({"enterprise_id": e, "team_id": null, "user_id": m,
                                           "is_bot": false, "is_enterprise_install": true})),
            None if subscription.is_some() => can_see.push(
                json!({"enterprise_id": t.seed.enterprise_id, "team_id": team,
                                "user_id": m, "is_bot": false, "is_enterprise_install": false}),
            ),
            None => {}
        }
    }
    if can_see.is_empty() {
        return;
    }
    let turn = world.authorization_turn;
    world.authorization_turn += 1;
    let authorization = can_see.swap_remove(turn % can_see.len());
    push_callback(world, team, event, authorization);
}

/// `user` shares a file named `name` in `channel` with `text`: a `message`
/// with `files` (docs.slack.dev/reference/events/message/file_share; its
/// example has no `subtype`, while deliveries carry `"subtype":
/// "file_share"`: both are read). When `connect` (someone of another
/// organisation, Slack Connect), the event carries only the
/// `check_file_info` stub and `files.info` gives the rest. Returns the
/// message's `ts` and the file id.
pub(crate) fn share_file(
    world: &mut World,
    team: &str,
    channel: &str,
    user: &str,
    name: &str,
    text: &str,
    connect: bool,
) -> Option<(String, String)> {
    let t = world.teams.get(team)?;
    t.channels.get(channel)?;
    let file = crate::world::SharedFile {
        id: format!("F{}", random_hex(5).to_uppercase()),
        team: team.to_owned(),
        user: user.to_owned(),
        name: name.to_owned(),
        title: name.to_owned(),
        mimetype: "application/octet-stream".into(),
        channels: vec![channel.to_owned()],
    };
    let object = if connect {
        file.stub()
    } else {
        file.to_json(&t.seed.domain)
    };
    let id = file.id.clone();
    world.files.insert(id.clone(), file);
    let mut msg = crate::world::Message::new("", user, text);
    msg.subtype = Some("file_share".into());
    msg.files = vec![object];
    let posted = crate::api::post(world, team, channel, msg, false);
    Some((posted["ts"].as_str()?.to_owned(), id))
}

/// The links to the app's unfurl domains in a message's text (bare, or
/// in Slack's `<url>` / `<url|label>` markup), without repeats. A link
/// "matching the registered URL domain" counts, subdomains included (the
/// example on https://docs.slack.dev/reference/events/link_shared lists
/// `yet.another-example.com` under the domain `another-example.com`).
fn links(text: &str, domains: &[String]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for piece in text.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '|') {
        if !(piece.starts_with("https://") || piece.starts_with("http://")) {
            continue;
        }
        let Some(host) = url::Url::parse(piece)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
        else {
            continue;
        };
        let ours = domains
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")));
        if ours && !out.iter().any(|l| l["url"] == piece) {
            out.push(json!({"domain": host, "url": piece}));
        }
    }
    out
}

/// Queues `link_shared` for a posted message that links to the app's
/// unfurl domains, through the bot's subscription, when the app is
/// installed. The event's fields are those of the example on
/// https://docs.slack.dev/reference/events/link_shared; "Apps will also
/// not receive `link_shared` events for their own messages" (same page;
/// the caller leaves those out).
pub(crate) fn queue_link_shared(
    world: &mut World,
    team: &str,
    channel: &str,
    user: &str,
    ts: &str,
    text: &str,
) {
    let Some(target) = &world.events else {
        return;
    };
    let found = links(text, &target.unfurl_domains);
    let t = &world.teams[team];
    if found.is_empty() || !t.installed {
        return;
    }
    let bot = t.seed.bot_user_id.clone();
    let is_member = t
        .channels
        .get(channel)
        .is_some_and(|c| c.members.contains(&bot));
    let unfurl_id = format!("{channel}.{ts}.{}", random_hex(8));
    let authorization = bot_authorization(world, team);
    world
        .teams
        .get_mut(team)
        .expect("team exists")
        .unfurl_ids
        .insert(unfurl_id.clone());
    let event = json!({
        "type": "link_shared",
        "channel": channel,
        "is_bot_user_member": is_member,
        "user": user,
        "message_ts": ts,
        "unfurl_id": unfurl_id,
        "source": "conversations_history",
        "links": found,
        "event_ts": ts,
        "user_locale": "en-US",
    });
    push_callback(world, team, event, authorization);
}

/// Someone joins a channel, as if they had clicked "Join": they become a
/// member, and `member_joined_channel` is delivered when the app's bot is
/// in the channel: "Bot users will receive this event when a new member
/// joins a channel your bot or app is already a member of"
/// (https://docs.slack.dev/reference/events/member_joined_channel). That
/// the bot also hears its own joining is not stated there; bolt-python's
/// IgnoringSelfEvents keeps the app's own `member_joined_channel` and
/// `member_left_channel` (`events_that_should_be_kept`), which the fake
/// reads as Slack sending it. `channel_type` is `C` or `G` by privacy, as the page's field
/// table describes for channels from before March 2021 (newer private
/// channels are `C` too; the fake keeps the old split).
pub(crate) fn join_channel(world: &mut World, team: &str, channel: &str, user: &str) -> bool {
    let ts = world.next_ts();
    let Some(t) = world.teams.get_mut(team) else {
        return false;
    };
    let Some(ch) = t.channels.get_mut(channel) else {
        return false;
    };
    if ch.members.iter().any(|m| m == user) {
        return true;
    }
    ch.members.push(user.to_owned());
    let bot = t.seed.bot_user_id.clone();
    let private = ch.is_private;
    if !ch.members.contains(&bot) || !t.installed {
        return true;
    }
    let event = json!({
        "type": "member_joined_channel", "user": user, "channel": channel,
        "channel_type": if private { "G" } else { "C" }, "team": team, "event_ts": ts,
    });
    let authorization = bot_authorization(world, team);
    push_callback(world, team, event, authorization);
    true
}

/// A channel is archived by `user`: it becomes `is_archived`, and the app
/// hears `channel_archive` (a public channel) or `group_archive` (a private
/// one) with `channel`, `user` and `event_ts` when its bot is a member
/// (events/channel_archive: "sent to all connections for a workspace when
/// a public channel is archived"; events/group_archive: "to all
/// connections for members of a private channel"; the fields as
/// node-slack-sdk's ChannelArchiveEvent and GroupArchiveEvent have them).
/// The `message` with subtype `channel_archive` that Slack also posts
/// (events/message/channel_archive) is not modelled.
/// Members stay members: the docs name no removal on archive (the fake's
/// reading). DMs cannot be archived (`false`).
pub(crate) fn archive_channel(world: &mut World, team: &str, channel: &str, user: &str) -> bool {
    let ts = world.next_ts();
    let Some(t) = world.teams.get_mut(team) else {
        return false;
    };
    let Some(ch) = t.channels.get_mut(channel) else {
        return false;
    };
    if ch.is_im {
        return false;
    }
    if ch.is_archived {
        return true;
    }
    ch.is_archived = true;
    let private = ch.is_private;
    let bot = t.seed.bot_user_id.clone();
    if !t.installed || !ch.members.contains(&bot) {
        return true;
    }
    let event = json!({
        "type": if private { "group_archive" } else { "channel_archive" },
        "channel": channel, "user": user, "event_ts": ts,
    });
    let authorization = bot_authorization(world, team);
    push_callback(world, team, event, authorization);
    true
}

/// `user` is removed from `channel` by `by` (someone's `/kick`, or
/// `conversations.kick`). When `user` is the app's bot the app hears
/// `channel_left` (a public channel) or `group_left` (a private one) with
/// `channel`, `actor_id` (who removed it) and `event_ts`
/// (events/channel_left, "You left a channel"; events/group_left; the
/// fields as a captured delivery shows them, slack-web's golden
/// `SlackWebhookEvent/channel_left.json`, and node-slack-sdk's
/// ChannelLeftEvent). That a removed bot hears it is reported in
/// bolt-js#1847 and node-slack-sdk#931 (the page only says "You left a
/// channel"). The bot does not also hear `member_left_channel` about
/// itself: "NOT delivered by Slack" when the bot is kicked
/// (openma-ai/open-managed-agents#24; bolt-js#1847). When someone else is
/// removed and the bot is still a member,
/// the app hears `member_left_channel` with `user`, `channel`,
/// `channel_type` (`C`/`G` as `member_joined_channel`'s), `team`
/// (events/member_left_channel). `false` for an unknown team or channel, or
/// a DM.
pub(crate) fn remove_from_channel(
    world: &mut World,
    team: &str,
    channel: &str,
    user: &str,
    by: &str,
) -> bool {
    let ts = world.next_ts();
    let Some(t) = world.teams.get_mut(team) else {
        return false;
    };
    let Some(ch) = t.channels.get_mut(channel) else {
        return false;
    };
    if ch.is_im {
        return false;
    }
    let before = ch.members.len();
    ch.members.retain(|m| m != user);
    if ch.members.len() == before {
        return true;
    }
    let private = ch.is_private;
    let bot = t.seed.bot_user_id.clone();
    let bot_still_in = ch.members.contains(&bot);
    if !t.installed {
        return true;
    }
    let event = if user == bot {
        json!({
            "type": if private { "group_left" } else { "channel_left" },
            "channel": channel, "actor_id": by, "event_ts": ts,
        })
    } else if bot_still_in {
        json!({
            "type": "member_left_channel", "user": user, "channel": channel,
            "channel_type": if private { "G" } else { "C" }, "team": team, "event_ts": ts,
        })
    } else {
        return true;
    };
    let authorization = bot_authorization(world, team);
    push_callback(world, team, event, authorization);
    true
}

/// A channel is shared with another organisation (Slack Connect): it
/// becomes `is_ext_shared`, the other organisation's `people` join it (user
/// objects with their own `team_id`, `is_stranger`), and a private channel
/// with a `G…` id gets a `C…` id for good: "The moment a channel share is
/// initiated, `G`-encoded private channels will have their ID immediately
/// changed to be `C`-encoded" (docs.slack.dev/apis/slack-connect), announced
/// as `channel_id_changed` to apps that can see the channel
/// (docs.slack.dev/reference/events/channel_id_changed). Returns the id.
pub(crate) fn share_channel(
    world: &mut World,
    team: &str,
    channel: &str,
    people: Vec<UserSeed>,
) -> Option<String> {
    let ts = world.next_ts();
    let t = world.teams.get_mut(team)?;
    let mut ch = t.channels.remove(channel)?;
    let new_id = match channel.strip_prefix('G') {
        Some(rest) => format!("C{rest}"),
        None => channel.to_owned(),
    };
    ch.id = new_id.clone();
    ch.is_ext_shared = true;
    for p in people {
        if !ch.members.contains(&p.id) {
            ch.members.push(p.id.clone());
        }
        if t.user(&p.id).is_none() {
            t.seed.users.push(p);
        }
    }
    let bot = t.seed.bot_user_id.clone();
    let app_sees = t.installed && ch.members.contains(&bot);
    t.channels.insert(new_id.clone(), ch);
    if new_id != channel && app_sees {
        let event = json!({"type": "channel_id_changed", "old_channel_id": channel,
                           "new_channel_id": new_id, "event_ts": ts});
        let authorization = bot_authorization(world, team);
        push_callback(world, team, event, authorization);
    }
    Some(new_id)
}

/// A channel is renamed: `channel_rename` (`group_rename` for private
/// ones) is delivered when the app is installed
/// (https://docs.slack.dev/reference/events/channel_rename,
/// https://docs.slack.dev/reference/events/group_rename).
pub(crate) fn rename_channel(world: &mut World, team: &str, channel: &str, name: &str) -> bool {
    let ts = world.next_ts();
    let Some(t) = world.teams.get_mut(team) else {
        return false;
    };
    let Some(ch) = t.channels.get_mut(channel) else {
        return false;
    };
    ch.name = name.to_owned();
    let (private, created) = (ch.is_private, ch.created);
    if !t.installed {
        return true;
    }
    let event = json!({
        "type": if private { "group_rename" } else { "channel_rename" },
        "channel": {"id": channel, "name": name, "name_normalized": name, "created": created,
                    "is_channel": !private, "is_mpim": false},
        "event_ts": ts,
    });
    let authorization = bot_authorization(world, team);
    push_callback(world, team, event, authorization);
    true
}

/// Someone opens the app's Home tab: `app_home_opened`, when the app is
/// installed. It is sent "each time a user enters into the App Home
/// space", and "If they opened a Home tab and that tab has had a `view`
/// published at least once before, a `view` field will also be included"
/// (https://docs.slack.dev/reference/events/app_home_opened).
pub(crate) fn open_home(world: &mut World, team: &str, user: &str) -> bool {
    let ts = world.next_ts();
    let Some(t) = world.teams.get(team) else {
        return false;
    };
    if t.user(user).is_none() {
        return false;
    }
    if !t.installed {
        return true;
    }
    let bot = t.seed.bot_user_id.clone();
    let channel = t.dms.get(&crate::world::im_key(user, &bot)).cloned();
    let mut event = json!({
        "type": "app_home_opened", "user": user, "channel": channel.unwrap_or_else(|| "D0HOME".into()),
        "tab": "home", "event_ts": ts,
    });
    if let Some(view) = t.home_views.get(user) {
        event["view"] = view.clone();
    }
    let authorization = bot_authorization(world, team);
    push_callback(world, team, event, authorization);
    true
}

/// A person joins the workspace (`team_join`) or their profile changes
/// (`user_change`), delivered through the bot's subscription when the app is
/// installed (docs.slack.dev/reference/events/team_join, …/user_change).
/// The user object is the Web API's, except that a profile without custom
/// fields carries `"fields": []` — documented as an object, but sent as an
/// empty array in `user_change` in the wild (reported in slack-rs' and
/// HubSpot slack-client's trackers: slack-rs/slack-rs#78,
/// HubSpot/slack-client#168).
pub(crate) fn upsert_user(world: &mut World, team: &str, user: UserSeed) -> bool {
    let ts = world.next_ts();
    let Some(t) = world.teams.get_mut(team) else {
        return false;
    };
    let kind = match t.seed.users.iter_mut().find(|u| u.id == user.id) {
        Some(existing) => {
            let mut user = user;
            user.updated = user.updated.max(existing.updated + 1);
            *existing = user.clone();
            ("user_change", user)
        }
        None => {
            t.seed.users.push(user.clone());
            ("team_join", user)
        }
    };
    if !t.installed {
        return true;
    }
    let mut object = world.user_json(team, &kind.1, true);
    if let Some(profile) = object["profile"].as_object_mut() {
        profile.insert("fields".into(), json!([]));
    }
    let mut event = json!({"type": kind.0, "user": object, "event_ts": ts});
    if kind.0 == "user_change" {
        event["cache_ts"] = json!(1_700_000_000);
    }
    let authorization = bot_authorization(world, team);
    push_callback(world, team, event, authorization);
    true
}

/// The app is removed from a team: every token of the team is revoked and
/// the app hears `tokens_revoked` ("Each key contains an array of user
/// IDs, _not_ the actual `token` strings",
/// https://docs.slack.dev/reference/events/tokens_revoked) and
/// `app_uninstalled` (https://docs.slack.dev/reference/events/app_uninstalled),
/// whose order Slack does not guarantee (same page): each callback is
/// delivered on its own task, so either may arrive first.
pub(crate) fn uninstall(world: &mut World, team: &str) -> bool {
    let ts = world.next_ts();
    let Some(t) = world.teams.get(team) else {
        return false;
    };
    let was_installed = t.installed;
    let authorization = bot_authorization(world, team);
    let (mut people, mut bots) = (Vec::new(), Vec::new());
    for tok in world
        .tokens
        .values_mut()
        .filter(|t| t.team == team && !t.revoked)
    {
        tok.revoked = true;
        let list = match tok.kind {
            crate::world::TokenKind::Bot => &mut bots,
            crate::world::TokenKind::User => &mut people,
        };
        if !list.contains(&tok.user) {
            list.push(tok.user.clone());
        }
    }
    world.teams.get_mut(team).expect("found above").installed = false;
    if !was_installed {
        return true;
    }
    let revoked =
        json!({"type": "tokens_revoked", "tokens": {"oauth": people, "bot": bots}, "event_ts": ts});
    push_callback(world, team, revoked, authorization.clone());
    let gone = json!({"type": "app_uninstalled", "event_ts": ts});
    push_callback(world, team, gone, authorization);
    true
}

/// One token dies (`auth.revoke`): `tokens_revoked` lists its owner under
/// `oauth` (a user token) or `bot`; the app stays installed while any bot
/// token lives ("An app is not uninstalled until its final user and bot
/// tokens are revoked", docs.slack.dev/reference/events/app_uninstalled).
pub(crate) fn revoke_token(world: &mut World, team: &str, token: &str) {
    let ts = world.next_ts();
    let Some(t) = world.tokens.get_mut(token) else {
        return;
    };
    t.revoked = true;
    let (user, kind) = (t.user.clone(), t.kind);
    if !world.teams.get(team).is_some_and(|t| t.installed) {
        return;
    }
    let tokens = match kind {
        TokenKind::User => json!({"oauth": [user]}),
        TokenKind::Bot => json!({"bot": [user]}),
    };
    let event = json!({"type": "tokens_revoked", "tokens": tokens, "event_ts": ts});
    let authorization = bot_authorization(world, team);
    push_callback(world, team, event, authorization);
}

/// An `authorizations` entry for the bot's installation: `enterprise_id`,
/// `team_id`, `user_id`, `is_bot`, `is_enterprise_install`
/// (https://docs.slack.dev/apis/events-api/). Through an org-wide install,
/// `is_enterprise_install: true` and `team_id: null`: the org install
/// belongs to no workspace ("a special `is_enterprise_install` boolean
/// field to indicate that the event is being sent to an
/// organization-wide installation", api.slack.com/enterprise/apps/changes-apis;
/// the null `team_id` as bolt-python's org-app fixtures
/// tests/scenario_tests/test_events_org_apps.py show it, and as bolt-js
/// guards for in App.ts).
fn bot_authorization(world: &World, team: &str) -> Value {
    let t = &world.teams[team];
    if let Some(e) = world.org_install_of(team) {
        return json!({"enterprise_id": e, "team_id": null, "user_id": t.seed.bot_user_id,
                      "is_bot": true, "is_enterprise_install": true});
    }
    json!({"enterprise_id": t.seed.enterprise_id, "team_id": team,
           "user_id": t.seed.bot_user_id, "is_bot": true, "is_enterprise_install": false})
}

/// The org install's own `authorizations` entry, for org-level events.
fn org_authorization(world: &World, enterprise: &str, is_enterprise_install: bool) -> Value {
    json!({"enterprise_id": enterprise, "team_id": null,
           "user_id": world.org_bot_user(enterprise), "is_bot": true,
           "is_enterprise_install": is_enterprise_install})
}

/// The envelope of an event about the organisation rather than one of its
/// workspaces: `team_id: null` with the `enterprise_id`, as the examples
/// of events/team_access_granted and events/team_access_revoked show it.
fn push_org_callback(world: &mut World, enterprise: &str, event: Value, authorization: Value) {
    let event_time = event["event_ts"]
        .as_str()
        .and_then(|ts| ts.split('.').next())
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let callback = json!({
        "token": "fake-verification-token",
        "team_id": null,
        "context_team_id": null,
        "context_enterprise_id": enterprise,
        "enterprise_id": enterprise,
        "api_app_id": world.app.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": format!("Ev{}", random_hex(6).to_uppercase()),
        "event_time": event_time,
        "authorizations": [authorization],
        "is_ext_shared_channel": false,
        "event_context": format!("4-{}", random_hex(12)),
    });
    world.outbox.push(callback);
}

/// An org-wide install of `enterprise` (an admin installed it for the
/// whole organisation): live, its workspaces not yet granted ("the app
/// won't actually be added to any workspaces yet",
/// api.slack.com/enterprise/apps/reference). Already granted workspaces
/// stay granted on a reinstall.
pub(crate) fn install_org(world: &mut World, enterprise: &str) {
    let install = world.org_installs.entry(enterprise.to_owned()).or_default();
    install.installed = true;
    let granted = install.granted.clone();
    for t in granted {
        if let Some(team) = world.teams.get_mut(&t) {
            team.installed = true;
        }
    }
}

/// An org admin adds the org-installed app to workspaces of the
/// organisation: the org token reaches them from now on, and the app hears
/// `team_access_granted` with their `team_ids` ("sent to your
/// organization-ready app when your token is given access to a new
/// workspace", events/team_access_granted). The envelope is the page's
/// example: `team_id: null`, the `enterprise_id`; its `authorizations`
/// says `is_enterprise_install: false`, as the example does and as
/// bolt-js#1778 met it on this event (later events say `true`). `false`
/// when there is no live org install, or a team is not of the
/// organisation.
pub(crate) fn grant_team_access(world: &mut World, enterprise: &str, teams: &[String]) -> bool {
    let ts = world.next_ts();
    let ours = world.org_teams(enterprise);
    if !teams.iter().all(|t| ours.contains(t))
        || !world
            .org_installs
            .get(enterprise)
            .is_some_and(|i| i.installed)
    {
        return false;
    }
    let install = world
        .org_installs
        .get_mut(enterprise)
        .expect("checked above");
    let mut added = Vec::new();
    for t in teams {
        if !install.granted.contains(t) {
            install.granted.push(t.clone());
            added.push(t.clone());
        }
    }
    for t in teams {
        world.teams.get_mut(t).expect("a team of the org").installed = true;
    }
    if added.is_empty() {
        return true;
    }
    let event = json!({"type": "team_access_granted", "team_ids": added, "event_ts": ts});
    let authorization = org_authorization(world, enterprise, false);
    push_org_callback(world, enterprise, event, authorization);
    true
}

/// The app is removed from workspaces of the organisation but stays
/// installed org-wide: `team_access_revoked` with their `team_ids`
/// ("sent to your organization-ready app when your token can no longer
/// access a workspace in that organization—in other words, it's been
/// uninstalled from a workspace", events/team_access_revoked; envelope as
/// [`grant_team_access`]'s).
pub(crate) fn revoke_team_access(world: &mut World, enterprise: &str, teams: &[String]) -> bool {
    let ts = world.next_ts();
    let Some(install) = world.org_installs.get_mut(enterprise) else {
        return false;
    };
    let removed: Vec<String> = teams
        .iter()
        .filter(|t| install.granted.contains(t))
        .cloned()
        .collect();
    install.granted.retain(|t| !removed.contains(t));
    let live = install.installed;
    for t in &removed {
        if let Some(team) = world.teams.get_mut(t) {
            team.installed = false;
        }
    }
    if removed.is_empty() || !live {
        return true;
    }
    let event = json!({"type": "team_access_revoked", "team_ids": removed, "event_ts": ts});
    let authorization = org_authorization(world, enterprise, true);
    push_org_callback(world, enterprise, event, authorization);
    true
}

/// The org-wide install is removed: every org-level token of it is
/// revoked, its workspaces are no longer reached, and the app hears
/// `tokens_revoked` (the owners of the tokens, "keyed with the types of
/// revoked tokens", events/tokens_revoked) and `app_uninstalled`
/// (events/app_uninstalled), in no guaranteed order. Their envelope for an
/// org install is not documented: the fake sends the org-level one
/// (`team_id: null`, the `enterprise_id`, an authorization with
/// `is_enterprise_install: true`), so that bolt's built-in handler deletes
/// the org install (bolt-python's `delete_all(enterprise_id, team_id=None)`).
pub(crate) fn uninstall_org(world: &mut World, enterprise: &str) -> bool {
    let ts = world.next_ts();
    let Some(install) = world.org_installs.get(enterprise).cloned() else {
        return false;
    };
    let authorization = org_authorization(world, enterprise, true);
    let (mut people, mut bots) = (Vec::new(), Vec::new());
    for tok in world
        .tokens
        .values_mut()
        .filter(|t| t.org.as_deref() == Some(enterprise) && !t.revoked)
    {
        tok.revoked = true;
        let list = match tok.kind {
            TokenKind::Bot => &mut bots,
            TokenKind::User => &mut people,
        };
        if !list.contains(&tok.user) {
            list.push(tok.user.clone());
        }
    }
    for t in &install.granted {
        if let Some(team) = world.teams.get_mut(t) {
            team.installed = false;
        }
    }
    let entry = world.org_installs.get_mut(enterprise).expect("found above");
    entry.installed = false;
    entry.granted.clear();
    if !install.installed {
        return true;
    }
    let revoked =
        json!({"type": "tokens_revoked", "tokens": {"oauth": people, "bot": bots}, "event_ts": ts});
    push_org_callback(world, enterprise, revoked, authorization.clone());
    let gone = json!({"type": "app_uninstalled", "event_ts": ts});
    push_org_callback(world, enterprise, gone, authorization);
    true
}

/// One org-level token dies (`auth.revoke`): `tokens_revoked` through the
/// org install, as [`revoke_token`] for a workspace.
pub(crate) fn revoke_org_token(world: &mut World, enterprise: &str, token: &str) {
    let ts = world.next_ts();
    let Some(t) = world.tokens.get_mut(token) else {
        return;
    };
    t.revoked = true;
    let (user, kind) = (t.user.clone(), t.kind);
    if !world
        .org_installs
        .get(enterprise)
        .is_some_and(|i| i.installed)
    {
        return;
    }
    let tokens = match kind {
        TokenKind::User => json!({"oauth": [user]}),
        TokenKind::Bot => json!({"bot": [user]}),
    };
    let event = json!({"type": "tokens_revoked", "tokens": tokens, "event_ts": ts});
    let authorization = org_authorization(world, enterprise, true);
    push_org_callback(world, enterprise, event, authorization);
}

/// A workflow runs the app's custom step `callback_id`: a
/// `function_executed` event (events/function_executed: `function` with
/// `id`, `callback_id`, `title`, `type: "app"`, its parameters and
/// `app_id`; `inputs` keyed by parameter name; `function_execution_id`
/// `Fx…`; `workflow_execution_id` `Wx…`; `event_ts`; and
/// `bot_access_token`, the "just in time" workflow token,
/// authentication/tokens). The token is a bot token of the workspace with
/// the scopes the app's bot has there (the fake's reading: "Workflow
/// tokens … are a subset of bot tokens"), alive until the execution is
/// completed (the fake's reading of "valid for the execution").
/// `None` for an unknown team. Sent through the bot's subscription even
/// when the fake was not told of an install (the fake's reading: a step
/// runs only for an app that is installed).
pub(crate) fn run_function(
    world: &mut World,
    team: &str,
    callback_id: &str,
    inputs: Value,
) -> Option<String> {
    let t = world.teams.get(team)?;
    let bot = t.seed.bot_user_id.clone();
    let mut scopes: Vec<String> = world
        .tokens
        .values()
        .filter(|k| k.team == team && k.kind == TokenKind::Bot && !k.revoked && k.org.is_none())
        .flat_map(|k| k.scopes.clone())
        .collect();
    scopes.sort();
    scopes.dedup();
    let token = format!("xwfp-{team}-{}", random_hex(12));
    world.tokens.insert(
        token.clone(),
        crate::world::Token {
            team: team.to_owned(),
            user: bot,
            kind: TokenKind::Bot,
            scopes,
            expires_at: None,
            revoked: false,
            org: None,
        },
    );
    let upper = |n| random_hex(n).to_uppercase();
    let execution = format!("Fx{}", upper(5));
    let ts = world.next_ts();
    let event = json!({
        "type": "function_executed",
        "function": {
            "id": format!("Fn{}", upper(5)), "callback_id": callback_id,
            "title": callback_id, "description": "", "type": "app",
            "input_parameters": [], "output_parameters": [],
            "app_id": world.app.app_id,
            "date_created": 1_700_000_000, "date_updated": 1_700_000_000, "date_deleted": 0,
        },
        "inputs": inputs,
        "function_execution_id": execution,
        "workflow_execution_id": format!("Wx{}", upper(5)),
        "event_ts": ts,
        "bot_access_token": token,
    });
    world.executions.insert(
        execution.clone(),
        crate::world::FunctionExecution {
            team: team.to_owned(),
            callback_id: callback_id.to_owned(),
            inputs,
            token,
            outcome: None,
        },
    );
    let authorization = bot_authorization(world, team);
    push_callback(world, team, event, authorization);
    Some(execution)
}

/// Sends what the last change queued, each callback on its own task (after
/// the caller's lock is gone).
pub(crate) fn flush(shared: &Shared) {
    let (outbox, target) = {
        let mut w = shared.lock();
        (std::mem::take(&mut w.outbox), w.events.clone())
    };
    let Some(target) = target else {
        return;
    };
    for callback in outbox {
        tokio::spawn(deliver(shared.clone(), target.clone(), callback));
    }
}

/// The outer envelope of an event callback, with the fields of the
/// callback field table on https://docs.slack.dev/apis/events-api/
/// (`token`, the deprecated verification token, included), and at most
/// one authorization (changelog 2020-09-15
/// events-api-truncate-authed-users: `authed_users` and `authed_teams`
/// are gone).
fn push_callback(world: &mut World, team: &str, event: Value, authorization: Value) {
    let t = &world.teams[team];
    // "Indicates whether the event occurred in an externally shared
    // channel" (docs.slack.dev/apis/events-api, callback fields).
    let ext_shared = event["channel"]
        .as_str()
        .and_then(|c| t.channels.get(c))
        .is_some_and(|c| c.is_ext_shared);
    let event_time = event["event_ts"]
        .as_str()
        .and_then(|ts| ts.split('.').next())
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let callback = json!({
        "token": "fake-verification-token",
        "team_id": team,
        "context_team_id": team,
        "context_enterprise_id": t.seed.enterprise_id,
        "enterprise_id": t.seed.enterprise_id,
        "api_app_id": world.app.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": format!("Ev{}", random_hex(6).to_uppercase()),
        "event_time": event_time,
        "authorizations": [authorization],
        "is_ext_shared_channel": ext_shared,
        "event_context": format!("4-{}", random_hex(12)),
    });
    world.outbox.push(callback);
}

/// Slack's request signature, v0: HMAC-SHA256 of `v0:{timestamp}:{body}`
/// with the app's signing secret
/// (https://docs.slack.dev/authentication/verifying-requests-from-slack).
pub(crate) fn sign(secret: &str, ts: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(b"v0:");
    mac.update(ts.as_bytes());
    mac.update(b":");
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// Seconds since the epoch, for `x-slack-request-timestamp`.
pub(crate) fn unix_now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string()
}

/// "Your app should respond to the event request with an HTTP 2xx _within
/// three seconds_. If it does not, we'll consider the event delivery
/// attempt failed." (https://docs.slack.dev/apis/events-api/)
pub const ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// Slack retries a failed delivery "up to 3 times": "The first retry will
/// be sent nearly immediately", "The second retry will be attempted after
/// 1 minute", "The third and final retry will be sent after 5 minutes"
/// (https://docs.slack.dev/apis/events-api/). Each entry is the wait after
/// the attempt before it failed.
pub const RETRY_DELAYS: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_secs(60),
    Duration::from_secs(300),
];

/// How one attempt ended.
enum Attempt {
    Delivered(u16),
    /// Failed for this `x-slack-retry-reason`; `no_retry` when the app
    /// asked not to be sent it again.
    Failed {
        status: u16,
        reason: &'static str,
        no_retry: bool,
    },
}

/// The `x-slack-retry-reason` for a request that got no answer. The
/// documented values (https://docs.slack.dev/apis/events-api/):
/// `http_timeout` (no answer within the 3 seconds), `too_many_redirects`
/// (more than 2), `connection_failed`, `ssl_error`, `http_error` (a
/// non-2xx answer, see [`attempt`]) and `unknown_error`. Request URLs in
/// tests are plain HTTP, so a TLS failure is not told apart from other
/// failures to connect.
fn transport_reason(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "http_timeout"
    } else if e.is_redirect() {
        "too_many_redirects"
    } else if e.is_connect() {
        "connection_failed"
    } else {
        "unknown_error"
    }
}

async fn attempt(
    client: &reqwest::Client,
    target: &EventsTarget,
    body: &[u8],
    retry: Option<(usize, &str)>,
) -> Attempt {
    let ts = unix_now();
    let mut req = client
        .post(&target.url)
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", &ts)
        .header("x-slack-signature", sign(&target.signing_secret, &ts, body))
        // Slack's user agent as captured requests show it (not documented).
        .header("user-agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
        .body(body.to_vec());
    // Retries say which they are and why: `x-slack-retry-num` (1, 2 or 3)
    // and `x-slack-retry-reason` (https://docs.slack.dev/apis/events-api/).
    if let Some((num, reason)) = retry {
        req = req
            .header("x-slack-retry-num", num.to_string())
            .header("x-slack-retry-reason", reason);
    }
    match req.send().await {
        Ok(resp) if resp.status().is_success() => Attempt::Delivered(resp.status().as_u16()),
        // "Provide us this HTTP header and value as part of your non-200 OK
        // response… we'll understand it to mean you'd rather this specific
        // event not be re-delivered" (https://docs.slack.dev/apis/events-api/).
        Ok(resp) => Attempt::Failed {
            status: resp.status().as_u16(),
            reason: "http_error",
            no_retry: resp
                .headers()
                .get("x-slack-no-retry")
                .is_some_and(|v| v.as_bytes() == b"1"),
        },
        Err(e) => Attempt::Failed {
            status: 0,
            reason: transport_reason(&e),
            no_retry: false,
        },
    }
}

/// POSTs one callback, signed as Slack signs, and retries it on Slack's
/// schedule ([`World::event_retry_delays`]) until it is answered 2xx, the
/// app says `x-slack-no-retry: 1`, or the retries run out. Every attempt is
/// recorded as `events.deliver`, with `retry_num` (0 for the first) and the
/// `retry_reason` it carried in its params, and its own failure (one of
/// the retry reasons) as the error.
pub(crate) async fn deliver(shared: Shared, target: EventsTarget, callback: Value) {
    let body = serde_json::to_vec(&callback).expect("plain JSON");
    let delays = shared.lock().event_retry_delays.clone();
    // Slack counts more than 2 redirects as a failure (`too_many_redirects`,
    // https://docs.slack.dev/apis/events-api/).
    let client = reqwest::Client::builder()
        .timeout(ANSWER_WITHIN)
        .redirect(reqwest::redirect::Policy::limited(2))
        .build()
        .expect("a plain HTTP client");
    let mut retry: Option<(usize, &'static str)> = None;
    loop {
        let outcome = attempt(&client, &target, &body, retry).await;
        let (status, error, no_retry) = match &outcome {
            Attempt::Delivered(status) => (*status, None, false),
            Attempt::Failed {
                status,
                reason,
                no_retry,
            } => (*status, Some((*reason).to_owned()), *no_retry),
        };
        shared.lock().record(RecordedCall {
            seq: 0,
            method: "events.deliver".into(),
            at_millis: 0,
            team: callback["team_id"].as_str().map(str::to_owned),
            auth: "none".into(),
            params: json!({
                "event_id": callback["event_id"],
                "type": callback["event"]["type"],
                "subtype": callback["event"]["subtype"],
                "authorization": callback["authorizations"][0]["user_id"],
                "retry_num": retry.map_or(0, |(n, _)| n),
                "retry_reason": retry.map(|(_, r)| r),
                "no_retry": no_retry,
            }),
            status,
            error,
            retry_after: None,
        });
        let Attempt::Failed {
            reason, no_retry, ..
        } = outcome
        else {
            return;
        };
        let done = retry.map_or(0, |(n, _)| n);
        let Some(wait) = delays
            .get(done)
            .copied()
            .filter(|_| done < RETRY_DELAYS.len())
        else {
            return;
        };
        if no_retry {
            return;
        }
        tokio::time::sleep(wait).await;
        retry = Some((done + 1, reason));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_to_our_domains_in_any_markup() {
        let d = vec!["h.example".to_owned()];
        let got = links(
            "see <https://h.example/join/a|Kitchen> and https://app.h.example/x https://h.example/join/a https://other.example/y",
            &d,
        );
        let urls: Vec<&str> = got.iter().map(|l| l["url"].as_str().unwrap()).collect();
        assert_eq!(
            urls,
            ["https://h.example/join/a", "https://app.h.example/x"]
        );
        assert_eq!(got[1]["domain"], "app.h.example");
    }

    #[test]
    fn signs_like_slack() {
        // Slack's published example
        // (https://docs.slack.dev/authentication/verifying-requests-from-slack).
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assert_eq!(
            sign(
                "8f742231b10e8888abcd99yyyzzz85a5",
                "1531420618",
                body.as_bytes()
            ),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        );
    }
}
