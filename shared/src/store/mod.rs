//! Domain stores, written once on top of the [`Table`](crate::table::Table)
//! port, so they run unchanged on DynamoDB and on the embedded store.
//!
//! # Layout
//! - [`installations`]: a team's installation, bot token sealed at rest.
//! - [`spaces`]: spaces, rooms, and the team → spaces mapping (oldest first).
//! - [`oauth_state`]: single-use, expiring OAuth `state` values.
//! - [`event_claims`]: Events API dedupe on `event_id`.

pub mod event_claims;
pub mod installations;
pub mod oauth_state;
pub mod spaces;

pub use event_claims::{Claim, EventClaims};
pub use installations::{Installation, InstallationError, Installations, NewInstallation};
pub use oauth_state::{ConsumeError, OAuthStates, StateData};
pub use spaces::{Room, Space, Spaces, SpacesError, TeamSpace};
