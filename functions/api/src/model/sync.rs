//! People sync for admins and the audit log.

use hallway::ids::{OfficeUserId, SpaceId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Role;

/// Whether a person is linked to the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    /// Linked.
    On,
    /// Prompted, not linked yet.
    Pending,
    /// Not linked.
    Off,
    /// Could not be prompted.
    Failed,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::On => "on",
            SyncStatus::Pending => "pending",
            SyncStatus::Off => "off",
            SyncStatus::Failed => "failed",
        }
    }
}

impl From<Option<hallway::store::sync::SyncStatus>> for SyncStatus {
    /// No sync state is `off`.
    fn from(s: Option<hallway::store::sync::SyncStatus>) -> Self {
        use hallway::store::sync::SyncStatus as S;
        match s {
            Some(S::Pending) => SyncStatus::Pending,
            Some(S::Failed) => SyncStatus::Failed,
            Some(S::On) => SyncStatus::On,
            Some(S::Off) | None => SyncStatus::Off,
        }
    }
}

/// How a person is linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkType {
    /// With a user token: they chat from the office, in DMs and in
    /// channels (a link made before channel chat says in `reason` that it
    /// covers DMs only until they link again).
    Chat,
    /// Through Sign in with Slack only.
    Identity,
    /// Not linked.
    None,
}

impl LinkType {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkType::Chat => "chat",
            LinkType::Identity => "identity",
            LinkType::None => "none",
        }
    }
}

/// Where a person mainly works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Slack,
    Office,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Slack => "slack",
            Platform::Office => "office",
        }
    }
}

/// `GET /api/v1/spaces/{space}/sync` query: each filter keeps the people
/// it names; left out, it keeps everyone.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncFilters {
    /// `slack` or `office`.
    pub platform: Option<String>,
    /// `on`, `pending`, `off` or `failed`.
    pub status: Option<String>,
    /// `chat`, `identity` or `none`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
}

/// Everyone people sync knows of, filtered, with counts over everyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncList {
    /// The people the filters keep, by name.
    pub people: Vec<SyncPerson>,
    /// Counts over everyone.
    pub counts: SyncCounts,
    /// The space's auto-prompt setting.
    pub auto_prompt: bool,
}

/// How many people are in each sync status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncCounts {
    pub on: usize,
    pub pending: usize,
    pub off: usize,
    pub failed: usize,
    /// Everyone.
    pub total: usize,
    /// The people the filters kept.
    pub shown: usize,
}

/// A person of the workspace or of the space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncPerson {
    /// Their Slack user id; `null` for a member with no Slack account linked.
    #[schema(value_type = Option<String>)]
    pub slack_user_id: Option<UserId>,
    /// Their office user id, when linked or a member.
    #[schema(value_type = Option<String>)]
    pub office_user_id: Option<OfficeUserId>,
    /// Their name.
    pub name: String,
    /// Where they mainly work.
    pub platform: Platform,
    /// Their sync status.
    pub status: SyncStatus,
    /// How they are linked.
    #[serde(rename = "type")]
    pub kind: LinkType,
    /// Their role in the space, if a member.
    pub role: Option<Role>,
    /// Their last prompt, seconds since the epoch.
    pub prompted_at: Option<i64>,
    /// Prompts sent so far.
    pub prompts: u32,
    /// Why the last prompt failed, if it did; for someone linked, what
    /// their link lacks (a link made before channel chat).
    pub reason: Option<String>,
}

/// A prompt queued for one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Prompted {
    /// Always 1.
    pub queued: u32,
    /// Who.
    #[schema(value_type = String)]
    pub slack_user_id: UserId,
    /// Their name.
    pub name: String,
}

/// Prompts queued for everyone not linked and not prompted within the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PromptedAll {
    /// Prompts queued.
    pub queued: usize,
    /// People left out: linked already.
    pub already_linked: usize,
    /// People left out: prompted less than a day ago.
    pub prompted_within_a_day: usize,
}

/// A person's link broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResetDone {
    /// Who.
    #[schema(value_type = String)]
    pub slack_user_id: UserId,
    /// Always `off`.
    pub status: SyncStatus,
    /// The office user they were linked to, if any.
    #[schema(value_type = Option<String>)]
    pub unlinked: Option<OfficeUserId>,
}

/// A person forgotten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Removed {
    /// Who.
    #[schema(value_type = String)]
    pub slack_user_id: UserId,
    /// What went.
    pub removed: RemovedDetail,
}

/// What removing a person forgot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RemovedDetail {
    /// The office user they were linked to, if any.
    #[schema(value_type = Option<String>)]
    pub office_user_id: Option<OfficeUserId>,
    /// Bridged conversations.
    pub conversations: usize,
    /// Their messages.
    pub messages: usize,
    /// Welcomes and the bot's DM channel.
    pub channel_records: usize,
}

/// `GET /api/v1/spaces/{space}/audit` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `next_cursor` of the previous page.
    pub before: Option<String>,
    /// 1-200, 50 when left out.
    pub limit: Option<u32>,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Ask again with `before` set to this for older ones.
    pub next_cursor: Option<String>,
}

/// Something an admin or moderator did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// The entry's id.
    pub id: String,
    /// The space.
    #[schema(value_type = String)]
    pub space_id: SpaceId,
    /// Milliseconds since the epoch.
    pub at: i64,
    /// Who did it.
    #[schema(value_type = String)]
    pub by: OfficeUserId,
    /// `sync.prompt`, `sync.prompt_all`, `sync.reprompt`, `sync.reset`,
    /// `sync.remove`, `settings.update`, …
    pub action: String,
    /// Who or what it was done to.
    pub target: Option<String>,
    /// What changed or what came of it (counts, values).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// When the entry expires, seconds since the epoch.
    pub ttl: i64,
}

impl From<hallway::store::audit::AuditEntry> for AuditEntry {
    fn from(e: hallway::store::audit::AuditEntry) -> Self {
        Self {
            id: e.id,
            space_id: e.space_id,
            at: e.at,
            by: e.by,
            action: e.action,
            target: e.target,
            detail: e.detail,
            ttl: e.ttl,
        }
    }
}
