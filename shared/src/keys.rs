//! Every key of the single table is built here, and only here.
//!
//! Key parts are joined with `#`. Ids never contain `#` (see [`crate::ids`]),
//! so no id can reach into another item's key space.
//!
//! # Access patterns
//!
//! | # | access pattern | pk | sk | gsi1pk / gsi1sk | ttl |
//! |---|---|---|---|---|---|
//! | 1 | a team's installation (bot token, scopes, bot user) | `TEAM#{team}` | `INSTALL` | | |
//! | 2 | the spaces mapped to a team (one attribute `space#{space}` each: name, created, connected; and `brief#{space}`: its call mention and its rooms with their occupancy) | `TEAM#{team}` | `SPACES` | | |
//! | 3 | a space | `SPACE#{space}` | `META` | | |
//! | 4 | a space's rooms; a space with its rooms | `SPACE#{space}` | `ROOM#{room}` (query, prefix `ROOM#`; with pattern 3: range `META` … `ROOM#`) | | |
//! | 5 | an OAuth `state` (single use) | `OAUTH#{state}` | `STATE` | | 10 min |
//! | 6 | an Events API delivery claim (dedupe on `event_id`) | `EVENT#{event_id}` | `CLAIM` | | 2 days |
//! | 7 | an office user (profile, live session) | `USER#{user}` | `PROFILE` | | |
//! | 8 | a space's members | `SPACE#{space}` | `MEMBER#{user}` (query, prefix `MEMBER#`) | `MEMBEROF#{user}` / `SPACE#{space}` | |
//! | 9 | the spaces a user belongs to | | | query gsi1 `MEMBEROF#{user}` | |
//! | 10 | an office user's Slack identity in a team; all of them | `USER#{user}` | `SLACK#{team}` (query, prefix `SLACK#`) | | |
//! | 11 | who a Slack user is in the office (reverse lookup, one office user per Slack user); a team's linked people | `TEAM#{team}` | `LINK#{slack user}` (query, prefix `LINK#`) | | |
//! | 12 | a one-time login token from Sign in with Slack | `LOGIN#{token}` | `TOKEN` | | 5 min |
//! | 13 | the room a Slack channel is mapped to | `TEAM#{team}` | `CHANNEL#{channel}` | | |
//! | 14 | an invite (who, where, counts) | `INVITE#{invite}` | `META` | | 30 days |
//! | 15 | one recipient's delivery of an invite (idempotency record) | `INVITE#{invite}` | `TO#{slack user}` (query, prefix `TO#`) | | 30 days |
//! | 16 | the bot's DM channel with a person | `TEAM#{team}` | `DM#{slack user}` | | |
//! | 17 | a team's people directory (one person; all, paged, by query) | `TEAM#{team}` | `PERSON#{slack user}` (query, prefix `PERSON#`) | | |
//! | 18 | the team's directory refresh (progress, lease, counts) | `TEAM#{team}` | `DIRECTORY` | | |
//! | 19 | a bridged DM message; a conversation's history in order | `CHAT#{team}#{channel}` | `MSG#{ts}` (query, prefix `MSG#`) | | |
//! | 20 | a DM conversation (who is in it, which office users it belongs to) | `CHAT#{team}#{channel}` | `META` | | |
//! | 21 | an office user's conversation with a Slack person | `USER#{user}` | `CHAT#{team}#{slack user}` | | |
//! | 22 | a Slack person's people-sync state (prompted, when, failed why); a team's | `TEAM#{team}` | `SYNC#{slack user}` (query, prefix `SYNC#`) | | |
//! | 23 | a person welcomed to a mapped channel (once each) | `TEAM#{team}` | `WELCOME#{channel}#{slack user}` | | |
//! | 24 | a meeting called from Slack in a room, until the room empties; a space's open meetings | `SPACE#{space}` | `MEETING#{room}` (query, prefix `MEETING#`) | | 1 day |
//! | 25 | a team's budget of calls to Slack methods: the calls taken within the rolling window (shared by every Lambda) | `TEAM#{team}` | `RATE#{budget}` | | window + 1 min after the last call |
//! | 26 | a space's audit log, newest first (who did what, when) | `SPACE#{space}` | `AUDIT#{millis:013}#{id}` (query, prefix `AUDIT#`, descending) | | 400 days |
//! | 27 | the bridged conversations a Slack person is in (for removing them) | `TEAM#{team}` | `CONV#{slack user}#{channel}` (query, prefix `CONV#{slack user}#`) | | |
//! | 28 | an organisation-wide (Enterprise Grid) installation: its bot token and the workspaces it was granted | `ORG#{enterprise}` | `INSTALL` | | |
//! | 29 | a Slack person's language (Slack's `locale`, from `include_locale`), apart from their directory record so profile events never erase it | `TEAM#{team}` | `LOCALE#{slack user}` | | |
//!
//! Pattern 2 is one item per team, not one per space, so everything a
//! slash command answers from (patterns 1, 2, 11, 13 and 29) is one `get_many`
//! (DynamoDB's `BatchGetItem`) of keys the request names: Slack gives a
//! command 3 s and each request is a round trip. Each space is an
//! attribute of its own, so connecting or disconnecting one touches only
//! its attribute (in the same transaction as the space's item); the reader
//! orders them oldest first, and the oldest is the team's default. Beside
//! it, `brief#{space}` copies what a command needs of the space's own
//! items (patterns 3 and 4): the call mention, and each room's name,
//! capacity and how many are in it (not who). Every change to those items
//! rewrites the brief from them, guarded by the space's `version`
//! ([`crate::store::spaces`]), so a brief is never older than a change that
//! finished. An entry is about 150 bytes and a room's brief about 100, so
//! DynamoDB's 400 KB item limit is some 2,000 rooms a workspace.
//!
//! Patterns 3 and 4 are next to each other in sort-key order (`MEMBER#` <
//! `META` < `ROOM#`), so a space and all its rooms are one query over the
//! range `META` … `ROOM#\u{10FFFF}` ([`space_with_rooms`]). No other sort key
//! of a space's partition may fall in that range; a test checks the prefixes
//! in use.
//!
//! Pattern 11 is written in the same transaction as pattern 10, with a
//! condition, so one Slack user can never be linked to two office users. A
//! room's occupants live on the room item (pattern 4).
//!
//! Pattern 28 holds an organisation's one bot token (read and rotated
//! there, by the workspaces it serves), the workspaces it was granted
//! (`granted#{team}` attributes) and spaces waiting for one
//! (`pending#{team}`). Each workspace it serves gets a stand-in as its own
//! pattern 1 (`is_enterprise_install`, no token), so a request still finds
//! its installation in one read. A workspace's own install wins over the
//! stand-in ("workspace install first, then the organisation's").
//!
//! Patterns 14 and 15 share a partition, so an invite's status is one query.
//!
//! Pattern 17 shares the team's partition with patterns 1, 2, 13 and 16;
//! its own sort-key prefix keeps a directory walk to people only.
//!
//! Pattern 19's sort key is Slack's `ts` (ten digits, a dot, six digits),
//! so a plain ascending query is the conversation in order, and a message
//! stored twice (an event and our own send) is one item.
//!
//! A new kind of item gets its row in this table in the change that adds
//! its store.

use crate::ids::{
    ChannelId, EnterpriseId, EventId, MessageTs, OfficeUserId, RoomId, SpaceId, TeamId, UserId,
};
use crate::table::{Key, Query};

fn key(pk: String, sk: impl Into<String>) -> Key {
    Key { pk, sk: sk.into() }
}

pub fn team_pk(team: &TeamId) -> String {
    format!("TEAM#{team}")
}

/// 1: a team's installation.
pub fn installation(team: &TeamId) -> Key {
    key(team_pk(team), "INSTALL")
}

/// 28: an organisation-wide installation.
pub fn org_installation(enterprise: &EnterpriseId) -> Key {
    key(format!("ORG#{enterprise}"), "INSTALL")
}

/// 2: the spaces mapped to a team.
pub fn team_spaces(team: &TeamId) -> Key {
    key(team_pk(team), "SPACES")
}

/// Attribute-name prefix of pattern 2's entries.
pub const TEAM_SPACE_ATTR_PREFIX: &str = "space#";

/// 2: the attribute of the team's item holding one space's entry.
pub fn team_space_attr(space: &SpaceId) -> String {
    format!("{TEAM_SPACE_ATTR_PREFIX}{space}")
}

/// Attribute-name prefix of pattern 2's space briefs.
pub const SPACE_BRIEF_ATTR_PREFIX: &str = "brief#";

/// 2: the attribute of the team's item holding one space's brief (its call
/// mention and rooms).
pub fn space_brief_attr(space: &SpaceId) -> String {
    format!("{SPACE_BRIEF_ATTR_PREFIX}{space}")
}

pub fn space_pk(space: &SpaceId) -> String {
    format!("SPACE#{space}")
}

/// 3: a space.
pub fn space(space: &SpaceId) -> Key {
    key(space_pk(space), SPACE_SORT_KEY)
}

/// Sort-key prefix of pattern 4.
pub const ROOM_PREFIX: &str = "ROOM#";

/// 4: a room of a space.
pub fn room(space: &SpaceId, room: &RoomId) -> Key {
    key(space_pk(space), format!("{ROOM_PREFIX}{room}"))
}

/// Sort key of pattern 3.
const SPACE_SORT_KEY: &str = "META";

/// 3 and 4: a space's item and then its rooms, in one query.
pub fn space_with_rooms(space: &SpaceId) -> Query {
    Query::partition(space_pk(space)).between(
        SPACE_SORT_KEY,
        format!("{ROOM_PREFIX}{}", crate::table::SORT_KEY_MAX),
    )
}

/// 5: an OAuth state. `state` is random base64url, checked by the caller.
pub fn oauth_state(state: &str) -> Key {
    key(format!("OAUTH#{state}"), "STATE")
}

/// 6: an Events API delivery claim.
pub fn event_claim(event: &EventId) -> Key {
    key(format!("EVENT#{event}"), "CLAIM")
}

pub fn user_pk(user: &OfficeUserId) -> String {
    format!("USER#{user}")
}

/// 7: an office user.
pub fn user(user: &OfficeUserId) -> Key {
    key(user_pk(user), "PROFILE")
}

/// Sort-key prefix of pattern 8.
pub const MEMBER_PREFIX: &str = "MEMBER#";

/// 8: a member of a space.
pub fn member(space: &SpaceId, user: &OfficeUserId) -> Key {
    key(space_pk(space), format!("{MEMBER_PREFIX}{user}"))
}

/// 8/9: the index key that lists a user's spaces.
pub fn member_of(user: &OfficeUserId) -> String {
    format!("MEMBEROF#{user}")
}

pub fn member_of_sort(space: &SpaceId) -> String {
    format!("SPACE#{space}")
}

/// Sort-key prefix of pattern 10 (all of a person's Slack identities).
pub const IDENTITY_PREFIX: &str = "SLACK#";

/// 10: an office user's Slack identity in a team.
pub fn identity(user: &OfficeUserId, team: &TeamId) -> Key {
    key(user_pk(user), format!("{IDENTITY_PREFIX}{team}"))
}

/// Sort-key prefix of pattern 11 (a team's linked people).
pub const LINK_PREFIX: &str = "LINK#";

/// 11: the office user a Slack user is linked to.
pub fn slack_user(team: &TeamId, slack_user: &UserId) -> Key {
    key(team_pk(team), format!("{LINK_PREFIX}{slack_user}"))
}

/// 12: a one-time login token. `token` is random base64url, checked by the
/// caller.
pub fn login_token(token: &str) -> Key {
    key(format!("LOGIN#{token}"), "TOKEN")
}

/// 13: a channel's room.
pub fn channel_route(team: &TeamId, channel: &ChannelId) -> Key {
    key(team_pk(team), format!("CHANNEL#{channel}"))
}

pub fn invite_pk(invite: &str) -> String {
    format!("INVITE#{invite}")
}

/// 14: an invite.
pub fn invite(invite: &str) -> Key {
    key(invite_pk(invite), "META")
}

/// Sort-key prefix of pattern 15.
pub const DELIVERY_PREFIX: &str = "TO#";

/// 15: one recipient's delivery.
pub fn delivery(invite: &str, recipient: &UserId) -> Key {
    key(invite_pk(invite), format!("{DELIVERY_PREFIX}{recipient}"))
}

/// 16: the bot's DM channel with a person.
pub fn dm_channel(team: &TeamId, user: &UserId) -> Key {
    key(team_pk(team), format!("DM#{user}"))
}

/// Sort-key prefix of pattern 17.
pub const PERSON_PREFIX: &str = "PERSON#";

/// 17: one person of a team's directory.
pub fn person(team: &TeamId, user: &UserId) -> Key {
    key(team_pk(team), format!("{PERSON_PREFIX}{user}"))
}

/// 29: a Slack person's language.
pub fn person_locale(team: &TeamId, user: &UserId) -> Key {
    key(team_pk(team), format!("LOCALE#{user}"))
}

/// 18: the team's directory refresh.
pub fn directory_run(team: &TeamId) -> Key {
    key(team_pk(team), "DIRECTORY")
}

pub fn chat_pk(team: &TeamId, channel: &ChannelId) -> String {
    format!("CHAT#{team}#{channel}")
}

/// Sort-key prefix of pattern 19.
pub const MESSAGE_PREFIX: &str = "MSG#";

/// 19: one bridged message.
pub fn chat_message(team: &TeamId, channel: &ChannelId, ts: &MessageTs) -> Key {
    key(chat_pk(team, channel), format!("{MESSAGE_PREFIX}{ts}"))
}

/// 20: a DM conversation.
pub fn conversation(team: &TeamId, channel: &ChannelId) -> Key {
    key(chat_pk(team, channel), "META")
}

/// 21: an office user's conversation with a Slack person.
pub fn chat_with(user: &OfficeUserId, team: &TeamId, slack_user: &UserId) -> Key {
    key(user_pk(user), format!("CHAT#{team}#{slack_user}"))
}

/// 22: a Slack person's people-sync state.
/// Sort-key prefix of pattern 22.
pub const SYNC_PREFIX: &str = "SYNC#";

pub fn sync_state(team: &TeamId, user: &UserId) -> Key {
    key(team_pk(team), format!("{SYNC_PREFIX}{user}"))
}

/// 25: calls to `method` by `team` in the window starting at `window`.
pub fn rate_budget(team: &TeamId, budget: &str) -> Key {
    key(team_pk(team), format!("RATE#{budget}"))
}

/// 27: `slack_user` is in the bridged conversation `channel`.
pub fn conversation_member(team: &TeamId, slack_user: &UserId, channel: &ChannelId) -> Key {
    key(team_pk(team), format!("CONV#{slack_user}#{channel}"))
}

/// Sort-key prefix of pattern 27 for one person.
pub fn conversation_member_prefix(slack_user: &UserId) -> String {
    format!("CONV#{slack_user}#")
}

/// Sort-key prefix of pattern 23 (every welcome of a team).
pub const WELCOME_PREFIX: &str = "WELCOME#";

/// Sort-key prefix of pattern 26.
pub const AUDIT_PREFIX: &str = "AUDIT#";

/// 26: one entry of a space's audit log.
pub fn audit(space: &SpaceId, millis: i64, id: &str) -> Key {
    key(space_pk(space), format!("{AUDIT_PREFIX}{millis:013}#{id}"))
}

/// Sort-key prefix of pattern 24.
pub const MEETING_PREFIX: &str = "MEETING#";

pub fn meeting(space: &SpaceId, room: &RoomId) -> Key {
    key(space_pk(space), format!("{MEETING_PREFIX}{room}"))
}

pub fn channel_welcome(team: &TeamId, channel: &ChannelId, user: &UserId) -> Key {
    key(team_pk(team), format!("{WELCOME_PREFIX}{channel}#{user}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_space_and_its_rooms_are_one_range_and_nothing_else_is_in_it() {
        let sp = SpaceId::new("s1").unwrap();
        let q = space_with_rooms(&sp);
        let (low, high) = q.sk_between.clone().unwrap();
        let inside = |sk: &str| low.as_str() <= sk && sk <= high.as_str();
        assert_eq!(q.pk, space(&sp).pk);
        assert!(inside(&space(&sp).sk));
        assert!(inside(&room(&sp, &RoomId::new("zzzz").unwrap()).sk));
        assert!(inside(&room(&sp, &RoomId::new("0").unwrap()).sk));
        // Every other pattern under SPACE#{space}.
        let u = OfficeUserId::new("u1").unwrap();
        let r = RoomId::new("r1").unwrap();
        for other in [
            member(&sp, &u),
            meeting(&sp, &r),
            audit(&sp, 1_700_000_000_000, "a"),
        ] {
            assert_eq!(other.pk, q.pk);
            assert!(!inside(&other.sk), "{} falls in the range", other.sk);
        }
    }

    #[test]
    fn keys_have_the_documented_shapes() {
        let t = TeamId::new("T9").unwrap();
        let s = SpaceId::new("s1").unwrap();
        let r = RoomId::new("r1").unwrap();
        assert_eq!(installation(&t), key("TEAM#T9".into(), "INSTALL"));
        assert_eq!(team_spaces(&t), key("TEAM#T9".into(), "SPACES"));
        assert_eq!(team_space_attr(&s), "space#s1");
        assert_eq!(space_brief_attr(&s), "brief#s1");
        assert_eq!(space(&s), key("SPACE#s1".into(), "META"));
        assert_eq!(room(&s, &r).sk, "ROOM#r1");
        assert_eq!(oauth_state("abc").pk, "OAUTH#abc");
        assert_eq!(event_claim(&EventId::new("Ev1").unwrap()).pk, "EVENT#Ev1");
    }
}
