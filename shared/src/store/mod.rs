//! Domain stores, written once on top of the [`Table`](crate::table::Table)
//! port, so they run unchanged on DynamoDB and on the embedded store.
//!
//! # Layout
//! - [`installations`]: a team's installation, bot token sealed at rest.
//! - [`spaces`]: spaces, rooms, and the team → spaces mapping (oldest first).
//! - [`oauth_state`]: single-use, expiring OAuth `state` values.
//! - [`event_claims`]: Events API dedupe on `event_id`.
//! - [`users`]: office users and their live session.
//! - [`members`]: who belongs to a space, with which role; guest counting.
//! - [`links`]: office user ↔ Slack user per team, one-to-one.
//! - [`login_tokens`]: one-time tokens from Sign in with Slack.
//! - [`channels`]: channels mapped to rooms; the bot's DM channels.
//! - [`invites`]: invites and their per-recipient, idempotent deliveries.
//! - [`directory`]: a team's people (from `users.list` and user events)
//!   and the refresh that fills it.
//! - [`chat`]: bridged DM messages and conversations.
//! - [`sync`]: people sync (prompts, once a day).
//! - [`audit`]: a space's audit log of admin actions.
//! - [`rate`]: budgets of Slack calls shared by every function.
//! - [`meetings`]: meetings called from Slack, from the call until the room
//!   empties.
//! - [`routing`]: what a slash command routes by (installation, caller,
//!   team spaces, channel route), in one read.

pub mod audit;
pub mod channels;
pub mod chat;
pub mod directory;
pub mod event_claims;
pub mod installations;
pub mod invites;
pub mod links;
pub mod login_tokens;
pub mod meetings;
pub mod members;
pub mod oauth_state;
pub mod rate;
pub mod spaces;
pub mod sync;
pub mod users;

pub use channels::{ChannelRoute, Channels};
pub use chat::{Chat, ChatMessage, Conversation};
pub use directory::{Directory, DirectoryRun, Person};
pub use event_claims::{Claim, EventClaims};
pub use installations::{
    GrantedTeam, Installation, InstallationError, Installations, NewInstallation,
    NewOrgInstallation, OrgInstallation,
};
pub use invites::{Delivery, DeliveryStatus, Invite, Invites, NewInvite};
pub use links::{IdentityLink, IdentityLinks, LinkError, LinkedVia, NewLink};
pub use login_tokens::{Login, LoginTokens};
pub use members::{Joined, Member, Members, MembersError, Role};
pub use oauth_state::{ConsumeError, OAuthFlow, OAuthStates, StateData};
pub use spaces::{Room, Space, Spaces, SpacesError, TeamSpace};
pub use users::{OfficeUser, OfficeUsers};
