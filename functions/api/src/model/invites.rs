//! "Get <user>": invites by DM and their status.

use hallway::ids::{OfficeUserId, RoomId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::RoomRef;

/// `POST /api/v1/spaces/{space}/invites`: name at least one person, 2000
/// at most.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewInvite {
    /// The room; the largest empty one (else the least full) when left out.
    #[schema(value_type = Option<String>)]
    pub room_id: Option<RoomId>,
    /// Slack people to invite.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub slack_user_ids: Vec<UserId>,
    /// Office people to invite, through their Slack link.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub office_user_ids: Vec<OfficeUserId>,
}

/// An invite queued: one DM each, sent by the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InviteQueued {
    /// Ask `GET …/invites/{invite}` for its progress.
    pub invite_id: String,
    /// Where people are invited.
    pub room: RoomRef,
    /// How many people get a DM (the caller and repeats left out).
    pub recipients: usize,
    /// Office people named who have not linked Slack: not invited.
    #[schema(value_type = Vec<String>)]
    pub not_linked: Vec<OfficeUserId>,
}

/// `GET /api/v1/spaces/{space}/invites/{invite}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InviteStatus {
    /// The invite's id.
    pub invite_id: String,
    /// Where people are invited.
    pub room: RoomRef,
    /// Who invited, by name.
    pub inviter: String,
    /// Where the invite was made.
    pub origin: InviteOrigin,
    /// DMs to send.
    pub total: u32,
    /// DMs sent.
    pub sent: u32,
    /// DMs that could not be sent.
    pub failed: u32,
    /// Every DM was sent or failed.
    pub complete: bool,
    /// One per recipient.
    pub deliveries: Vec<Delivery>,
}

/// Where an invite was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InviteOrigin {
    /// `/hallway @someone …`
    Command,
    /// A channel mapped to a room: its members.
    Channel,
    /// "Get <user>" from the office.
    Office,
    /// A Slack workflow's "Invite to a hallway room" step.
    Workflow,
}

impl From<hallway::store::invites::Origin> for InviteOrigin {
    fn from(o: hallway::store::invites::Origin) -> Self {
        use hallway::store::invites::Origin as O;
        match o {
            O::Command => InviteOrigin::Command,
            O::Channel => InviteOrigin::Channel,
            O::Office => InviteOrigin::Office,
            O::Workflow => InviteOrigin::Workflow,
        }
    }
}

/// One recipient's DM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    /// The recipient.
    #[schema(value_type = String)]
    pub slack_user_id: UserId,
    /// Where the DM is.
    pub status: DeliveryStatus,
    /// Why it failed (Slack's reason), if it did.
    pub reason: Option<String>,
    /// They clicked Join.
    pub clicked: bool,
}

impl From<hallway::store::Delivery> for Delivery {
    fn from(d: hallway::store::Delivery) -> Self {
        Self {
            slack_user_id: d.recipient,
            status: d.status.into(),
            reason: d.reason,
            clicked: d.clicked_at.is_some(),
        }
    }
}

/// A DM's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Sending,
    Sent,
    Failed,
}

impl From<hallway::store::DeliveryStatus> for DeliveryStatus {
    fn from(s: hallway::store::DeliveryStatus) -> Self {
        use hallway::store::DeliveryStatus as S;
        match s {
            S::Pending => DeliveryStatus::Pending,
            S::Sending => DeliveryStatus::Sending,
            S::Sent => DeliveryStatus::Sent,
            S::Failed => DeliveryStatus::Failed,
        }
    }
}
