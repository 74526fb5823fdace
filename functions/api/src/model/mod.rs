//! The office API's wire types: every request body, query and answer of
//! `/api/v1/…`, as the office's client sees them. Their doc comments are
//! the descriptions in the OpenAPI document (`docs/openapi.json`), so they
//! are written for the office team.
//!
//! These are not the stored records of `hallway::store`: a record may gain
//! a field without the API changing, and the API's shape only changes here
//! (conversions are `From` impls next to each type).
//!
//! Ids (`SpaceId`, `RoomId`, …) are checked strings: a body with a
//! malformed id is refused with 400 before the handler runs.
//!
//! One file per area, as the route table in the crate's documentation
//! groups them.

pub mod channels;
pub mod chats;
pub mod directory;
pub mod invites;
pub mod me;
pub mod members;
pub mod people;
pub mod sessions;
pub mod slack;
pub mod spaces;
pub mod sync;

pub use channels::*;
pub use chats::*;
pub use directory::*;
pub use invites::*;
pub use me::*;
pub use members::*;
pub use people::*;
pub use sessions::*;
pub use slack::*;
pub use spaces::*;
pub use sync::*;

use hallway::ids::RoomId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every refusal and failure: the status says what kind, `error` says why,
/// worded for the person using the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in a sentence.
    pub error: String,
}

/// A role in a space, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Moderator,
    Member,
    Guest,
}

impl From<hallway::store::Role> for Role {
    fn from(r: hallway::store::Role) -> Self {
        use hallway::store::Role as R;
        match r {
            R::Admin => Role::Admin,
            R::Moderator => Role::Moderator,
            R::Member => Role::Member,
            R::Guest => Role::Guest,
        }
    }
}

/// A room named where it is mentioned (an invite's room, where someone is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoomRef {
    /// The room's id.
    #[schema(value_type = String)]
    pub id: RoomId,
    /// The room's name.
    pub name: String,
}

impl From<&hallway::store::Room> for RoomRef {
    fn from(r: &hallway::store::Room) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
        }
    }
}
