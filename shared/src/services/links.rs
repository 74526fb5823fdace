//! The links hallway hands out: Slack's install URL and join links to rooms.

use crate::auth::join::{DEFAULT_JOIN_TTL_SECS, JoinClaims};
use crate::ids::{RoomId, SpaceId};

use super::Services;

impl Services {
    /// Slack's authorize URL for installing the app (bot scopes) with a state.
    /// Slack's authorize page for an install; `team` preselects the
    /// workspace the admin chose.
    pub fn install_authorize_url(&self, state: &str, team: Option<&crate::ids::TeamId>) -> String {
        crate::slack::oauth::authorize_url(
            &self.config.slack_url,
            &self.secrets.client_id,
            crate::slack::manifest::BOT_SCOPES,
            &[],
            &self
                .config
                .endpoint(crate::slack::oauth::OAUTH_CALLBACK_PATH),
            state,
            team.map(crate::ids::TeamId::as_str),
        )
    }

    /// The join link (`{base}/join/<token>`) for these claims.
    pub fn join_url(&self, claims: &JoinClaims) -> String {
        let token = self.join_links.token(claims);
        self.config
            .endpoint(&format!("{}/{token}", crate::slack::oauth::JOIN_PATH))
    }

    /// A member's join link to a room, valid for the default week; from an
    /// invite when `invite` names it.
    pub fn member_join_url(&self, space: &SpaceId, room: &RoomId, invite: Option<&str>) -> String {
        self.invite_join_url(space, room, invite, false)
    }

    /// A join link from an invite, for a member or (someone of another
    /// organisation) a guest.
    pub fn invite_join_url(
        &self,
        space: &SpaceId,
        room: &RoomId,
        invite: Option<&str>,
        guest: bool,
    ) -> String {
        self.join_url(&JoinClaims {
            space: space.clone(),
            room: room.clone(),
            invite: invite.map(str::to_owned),
            guest,
            exp: self.clock.now_secs() + DEFAULT_JOIN_TTL_SECS,
        })
    }
}
