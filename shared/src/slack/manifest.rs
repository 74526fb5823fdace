//! The Slack app manifest, generated from what the code serves, so the app's
//! settings cannot drift from the routes, scopes and events we handle.
//!
//! `hallway-local manifest --base-url URL` prints it; `infra/slack-manifest.json`
//! is its output for the placeholder base URL, and a test keeps the file equal
//! to the code.

use serde_json::{Value, json};

/// Events the events function subscribes to (the bot does not need a scope
/// for these). Must match what [`super::events::parse_event`] knows.
/// `message.im` as a bot event: DMs people send the app (the Messages tab);
/// `message.channels` / `message.groups`: messages in channels the bot is
/// in (channel chat; scopes `channels:history`, `groups:history`); the
/// archive, delete and leave events stop a channel's chat;
/// `team_access_granted` / `team_access_revoked`: an organisation-wide
/// install's workspaces (no scope needed, events/team_access_granted).
pub const BOT_EVENTS: &[&str] = &[
    "app_uninstalled",
    "tokens_revoked",
    "team_join",
    "user_change",
    "message.im",
    "message.channels",
    "message.groups",
    "link_shared",
    "member_joined_channel",
    "member_left_channel",
    "channel_rename",
    "group_rename",
    "channel_id_changed",
    "channel_archive",
    "group_archive",
    "channel_deleted",
    "group_deleted",
    "channel_left",
    "group_left",
    "app_home_opened",
    "team_access_granted",
    "team_access_revoked",
    // Not subscribable like the others ("your app must have a function
    // which is used as a step in a workflow", events/function_executed);
    // listed as Slack's own sample manifests list it.
    "function_executed",
];

/// Events delivered for people who linked (their user token): their DMs,
/// for the chat bridge. Needs the user scope `im:history`.
pub const USER_EVENTS: &[&str] = &["message.im"];

/// Bot scopes: what the app does with its bot token. `commands` for
/// `/hallway`; `users.list`/`users.info` → `users:read`;
/// `users.lookupByEmail` → `users:read.email`; `conversations.members` →
/// `channels:read`, `groups:read`; `conversations.open` → `im:write`;
/// `chat.postMessage` → `chat:write`; reading an invite DM back after a
/// crash → `im:history`; `link_shared` → `links:read`; `chat.unfurl` →
/// `links:write`; meeting summaries in public channels the bot has not
/// joined → `chat:write.public`; names and links of files shared in the
/// app's DM that Slack Connect sends as ids only (`files.info`) →
/// `files:read`; channel chat: hearing channels → `channels:history`,
/// `groups:history`; joining a mapped public channel → `channels:join`;
/// posting for someone not linked with their name and avatar →
/// `chat:write.customize`.
pub const BOT_SCOPES: &[&str] = &[
    // A call's card (`calls.add`, `calls.participants.*`, `calls.end`;
    // "You'll need two scopes for interacting with calls":
    // docs.slack.dev/apis/web-api/using-the-calls-api).
    "calls:read",
    "calls:write",
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "chat:write.customize",
    "chat:write.public",
    "commands",
    "files:read",
    "groups:history",
    "groups:read",
    "im:history",
    "im:write",
    "links:read",
    "links:write",
    "users:read",
    "users:read.email",
];

/// `callback_id` of the Workflow Builder step "Invite to a hallway room".
pub const INVITE_STEP: &str = "invite_to_room";

/// The app's custom steps (manifest `functions`; docs.slack.dev's Bolt
/// "Custom steps": each keyed by its `callback_id`, with `title`,
/// `description`, `input_parameters` and `output_parameters`, each a
/// `properties` object and a `required` list, as slackapi's manifest
/// schema has them). Types from the schema's `slack#/types/…`.
fn functions() -> Value {
    json!({
        INVITE_STEP: {
            "title": "Invite to a hallway room",
            "description": "Invite people, or a channel's members, to a room of the virtual office",
            "input_parameters": {
                "properties": {
                    "people": {
                        "type": "array",
                        "items": {"type": "slack#/types/user_id"},
                        "title": "People",
                        "description": "Who to invite",
                        "hint": "Leave empty to invite only the channel's members"
                    },
                    "channel": {
                        "type": "slack#/types/channel_id",
                        "title": "Channel",
                        "description": "Invite its members; its room is the default room",
                        "hint": "The app must be in a private channel to see its members"
                    },
                    "space": {
                        "type": "string",
                        "title": "Space",
                        "description": "The space's name (default: the channel's, else the workspace's first)"
                    },
                    "room": {
                        "type": "string",
                        "title": "Room",
                        "description": "The room's name (default: the channel's room, else the largest empty one)"
                    },
                    "note": {
                        "type": "string",
                        "title": "Note",
                        "description": "Shown in each invite (up to 500 characters)"
                    },
                    "inviter": {
                        "type": "slack#/types/user_id",
                        "title": "Invited by",
                        "description": "Named in the invites (default: \"A workflow\")"
                    }
                },
                "required": []
            },
            "output_parameters": {
                "properties": {
                    "join_url": {"type": "string", "title": "Join link", "description": "The room's join link"},
                    "reached": {"type": "integer", "title": "Reached", "description": "How many got their invite"},
                    "not_reached": {"type": "integer", "title": "Not reached", "description": "How many could not be reached"},
                    "room_name": {"type": "string", "title": "Room", "description": "The room invited to"}
                },
                "required": ["join_url", "reached", "not_reached", "room_name"]
            }
        }
    })
}

pub const COMMANDS_PATH: &str = "/slack/commands";
pub const INTERACTIVITY_PATH: &str = "/slack/interactivity";

pub const EVENTS_PATH: &str = "/slack/events";

/// User scopes: linking's, plus Sign in with Slack's.
fn user_scopes() -> Vec<&'static str> {
    let mut scopes = super::oauth::USER_SCOPES.to_vec();
    scopes.extend(super::oauth::OPENID_SCOPES.split(' '));
    scopes
}

/// The placeholder base URL of the checked-in manifest.
pub const EXAMPLE_BASE_URL: &str = "https://hallway.example.com";

/// The manifest for a deployment at `base_url` whose slash command is
/// `command` (`Config::command`).
pub fn manifest(base_url: &str, command: &str) -> Value {
    let base = base_url.trim_end_matches('/');
    // Links to our own host unfurl (join links); the office's room pages
    // live on the office's domain, which an admin adds by hand.
    let domain = url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    json!({
        "_metadata": { "major_version": 1, "minor_version": 1 },
        "display_information": {
            "name": "hallway",
            "description": "Pull Slack colleagues into the rooms of your virtual office.",
            "background_color": "#2c2d30"
        },
        "features": {
            "bot_user": { "display_name": "hallway", "always_online": true },
            "app_home": {
                "home_tab_enabled": true,
                "messages_tab_enabled": true,
                "messages_tab_read_only_enabled": false
            },
            "unfurl_domains": [domain],
            "slash_commands": [{
                "command": command,
                "url": format!("{base}{COMMANDS_PATH}"),
                "description": "Call people to a room of your virtual office",
                "usage_hint": "[@people] ['space'] ['room'] | help",
                "should_escape": true
            }],
            // Both open the "Meet in hallway" form; their payloads come to
            // the interactivity Request URL (api.slack.com/interactivity/shortcuts/using).
            // Names at most 24 characters, descriptions 150 (slackapi's
            // manifest schema, `features.shortcuts`).
            "shortcuts": [
                {
                    "name": "Meet in hallway",
                    "type": "global",
                    "callback_id": super::modal::MEET_SHORTCUT,
                    "description": "Pick people and a room of the office, and invite them"
                },
                {
                    "name": "Meet about this",
                    "type": "message",
                    "callback_id": super::modal::MEET_ABOUT_SHORTCUT,
                    "description": "Invite this message's people to a room of the office"
                }
            ]
        },
        "functions": functions(),
        "oauth_config": {
            "redirect_urls": [
                format!("{base}{}", super::oauth::OAUTH_CALLBACK_PATH),
                format!("{base}{}", super::oauth::LOGIN_CALLBACK_PATH),
            ],
            "scopes": { "bot": BOT_SCOPES, "user": user_scopes() }
        },
        "settings": {
            "event_subscriptions": {
                "request_url": format!("{base}{EVENTS_PATH}"),
                "bot_events": BOT_EVENTS,
                "user_events": USER_EVENTS
            },
            "interactivity": {
                "is_enabled": true,
                "request_url": format!("{base}{INTERACTIVITY_PATH}")
            },
            // Enterprise Grid: an org admin may install it once for the
            // whole organisation ("organization-ready apps",
            // docs.slack.dev/enterprise-grid/organization-ready-apps).
            "org_deploy_enabled": true,
            // Custom steps run on our own servers ("If you are adding
            // custom steps to an existing app directly to the app
            // manifest, you will also need to add the function_runtime
            // property", Bolt's "Custom steps").
            "function_runtime": "remote",
            "socket_mode_enabled": false,
            // Bot and user tokens expire after 12 hours and are refreshed
            // with their single-use refresh tokens, under a lease
            // (`tokens::BotTokens`, `tokens::UserTokens`).
            "token_rotation_enabled": true
        }
    })
}

/// The manifest as the pretty JSON that is checked in.
pub fn manifest_text(base_url: &str, command: &str) -> String {
    let mut text = serde_json::to_string_pretty(&manifest(base_url, command)).expect("plain JSON");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_COMMAND;

    #[test]
    fn shortcuts_fit_slacks_limits() {
        let m = manifest("https://h.example", DEFAULT_COMMAND);
        let shortcuts = m["features"]["shortcuts"].as_array().unwrap();
        assert_eq!(shortcuts.len(), 2);
        for s in shortcuts {
            assert!(s["name"].as_str().unwrap().chars().count() <= 24);
            assert!(s["description"].as_str().unwrap().chars().count() <= 150);
        }
        assert!(BOT_SCOPES.contains(&"commands"));
    }

    #[test]
    fn tokens_rotate() {
        assert_eq!(
            manifest("https://h.example", DEFAULT_COMMAND)["settings"]["token_rotation_enabled"],
            true
        );
    }

    #[test]
    fn manifest_points_slack_at_our_routes() {
        let m = manifest("https://h.example/", "/office");
        assert_eq!(m["features"]["slash_commands"][0]["command"], "/office");
        assert_eq!(
            m["settings"]["event_subscriptions"]["request_url"],
            "https://h.example/slack/events"
        );
        assert_eq!(m["settings"]["socket_mode_enabled"], false);
        let name = m["display_information"]["name"].as_str().unwrap();
        assert!(name.len() <= 35);
    }

    #[test]
    fn subscribed_events_are_the_ones_we_parse() {
        // A subscription names a type and, for messages, where (`message.im`).
        let event_type = |sub: &'static str| sub.split('.').next().unwrap();
        for sub in BOT_EVENTS.iter().chain(USER_EVENTS) {
            let parsed = super::super::events::parse_event(&json!({"type": event_type(sub)}));
            assert!(
                !matches!(parsed, super::super::events::Parsed::Unknown { .. }),
                "{sub} is subscribed but not parsed"
            );
        }
        // And nothing we parse goes unsubscribed.
        let mut subscribed: Vec<&str> = BOT_EVENTS.iter().map(|s| event_type(s)).collect();
        let mut parsed = super::super::events::KNOWN_TYPES.to_vec();
        subscribed.sort_unstable();
        subscribed.dedup();
        parsed.sort_unstable();
        assert_eq!(subscribed, parsed);
    }

    #[test]
    fn checked_in_manifest_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/slack-manifest.json");
        let on_disk = std::fs::read_to_string(path).expect("infra/slack-manifest.json exists");
        assert_eq!(
            on_disk,
            manifest_text(EXAMPLE_BASE_URL, DEFAULT_COMMAND),
            "regenerate with: cargo run -p hallway-local -- manifest --base-url {EXAMPLE_BASE_URL} > infra/slack-manifest.json"
        );
    }
}
