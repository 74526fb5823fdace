//! The office most tests and benchmarks start from, written straight into
//! the stores: office user `ada` (Ada Lovelace) linked to a Slack person,
//! and space HQ (Kitchen 4, Hall 30, Booth 2), Ada its admin, connected to
//! the workspace. Installing the app is the caller's part (the token comes
//! from whichever Slack the test talks to).

use hallway::ids::{OfficeUserId, RoomId, SpaceId, TeamId, UserId};
use hallway::secrets::Secret;
use hallway::services::Services;
use hallway::store::{LinkedVia, NewInstallation, NewLink, Role};

pub struct Office {
    pub hq: SpaceId,
    pub hall: RoomId,
}

/// The bot scopes the office is installed with.
pub const OFFICE_SCOPES: &[&str] = &[
    "chat:write",
    "commands",
    "im:write",
    "im:history",
    "users:read",
    "channels:read",
    "groups:read",
];

/// `office_user` linked to `slack_user` of `team` by Sign in with Slack,
/// without a user token.
pub async fn link(s: &Services, office_user: &str, team: &TeamId, slack_user: &str) {
    s.links()
        .link(NewLink {
            office_user_id: OfficeUserId::new(office_user).unwrap(),
            team_id: team.clone(),
            slack_user_id: UserId::new(slack_user).unwrap(),
            enterprise_id: None,
            via: LinkedVia::SignIn,
            user_scopes: vec![],
            user_token: None,
            rotation: None,
        })
        .await
        .unwrap();
}

/// Ada linked to `slack_user` of `team`, and HQ connected to `team`.
pub async fn office(s: &Services, team: &TeamId, slack_user: &str) -> Office {
    let ada = OfficeUserId::new("ada").unwrap();
    s.users()
        .remember(&ada, Some("Ada Lovelace"), None)
        .await
        .unwrap();
    link(s, "ada", team, slack_user).await;
    let spaces = s.spaces();
    let hq = spaces.create("HQ", Some(ada.clone())).await.unwrap();
    s.members()
        .join(&hq.id, &ada, Role::Admin, 0)
        .await
        .unwrap();
    spaces.add_room(&hq.id, "Kitchen", 4).await.unwrap();
    let hall = spaces.add_room(&hq.id, "Hall", 30).await.unwrap();
    spaces.add_room(&hq.id, "Booth", 2).await.unwrap();
    spaces.connect(&hq.id, team).await.unwrap();
    Office {
        hq: hq.id,
        hall: hall.id,
    }
}

/// The app installed in `team` (called `team_name`) with this bot token
/// and scopes, installed by `installer`, as the OAuth callback would store it.
pub async fn install(
    s: &Services,
    team: &TeamId,
    team_name: &str,
    bot_user: &str,
    installer: Option<&str>,
    bot_token: String,
    scopes: &[&str],
) {
    s.installations()
        .save(NewInstallation {
            team_id: team.clone(),
            team_name: team_name.into(),
            enterprise_id: None,
            is_enterprise_install: false,
            app_id: None,
            bot_user_id: UserId::new(bot_user).unwrap(),
            bot_scopes: scopes.iter().map(|s| s.to_string()).collect(),
            installer_user_id: installer.map(|u| UserId::new(u).unwrap()),
            bot_token: Secret::new(bot_token),
            refresh_token: None,
            bot_token_expires_at: None,
        })
        .await
        .unwrap();
}
