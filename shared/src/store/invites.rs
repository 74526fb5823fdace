//! Invites and their per-recipient deliveries.
//!
//! An invite names a room and who asked; each recipient has a delivery
//! record in the same partition. The record is the DM's idempotency key: a
//! worker claims it (pending → sending, with a short lease) with a
//! conditional write before calling Slack, and marks it sent (with the
//! message's channel and ts) or failed after. A duplicate SQS delivery or a
//! Lambda retry finds it sent, or claimed and still leased, and sends
//! nothing. A claim whose lease lapsed (a worker died mid-send) is taken over
//! only after the caller checked the DM history for the message.
//!
//! Counters on the invite (`sent`, `failed`) are raised with each terminal
//! mark; the mark that completes the invite wins `reported_at` once, so the
//! summary to the inviter is sent once.

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::ids::{ChannelId, OfficeUserId, RoomId, SpaceId, TeamId, UserId, new_ordered_id};
use crate::keys;
use crate::table::{
    Condition, Query, SharedTable, TableError, Update, Write, all_records, from_item, n,
    record_item, s,
};

/// Invites and deliveries are kept for 30 days.
pub const INVITE_TTL_SECS: i64 = 30 * 24 * 3600;
/// How long a worker may hold a delivery before another may take over.
pub const LEASE_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `/hallway @someone …`
    Command,
    /// A channel mapped to a room: its members.
    Channel,
    /// "Get <user>" from the office.
    Office,
    /// A workflow's "Invite to a hallway room" step.
    Workflow,
}

/// The workflow step an invite completes when it is done: its execution
/// and its just-in-time token, sealed as the event brought it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRef {
    pub execution_id: String,
    pub sealed_token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub id: String,
    pub team_id: TeamId,
    pub space_id: SpaceId,
    pub space_name: String,
    pub room_id: RoomId,
    pub room_name: String,
    /// Empty for a workflow's invite with no named inviter: each DM
    /// names it in its reader's language.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub inviter_name: String,
    pub inviter_office_user: Option<OfficeUserId>,
    pub inviter_slack_user: Option<UserId>,
    pub origin: Origin,
    pub channel_id: Option<ChannelId>,
    /// Where the late summary goes (a slash command's `response_url`).
    pub response_url: Option<String>,
    /// Or the modal it was sent from (the inviter's DM with the app once
    /// they closed it).
    #[serde(default)]
    pub view_id: Option<String>,
    /// The inviter's note, shown in each DM.
    #[serde(default)]
    pub note: Option<String>,
    /// A link to the message the meeting is about.
    #[serde(default)]
    pub about: Option<String>,
    /// The workflow step it completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepRef>,
    /// How many people the invite is for, known before any DM goes out (a
    /// fan-out adds recipients a hundred at a time; completion must not be
    /// judged on a part).
    #[serde(default)]
    pub total: u32,
    #[serde(default)]
    pub sent: u32,
    #[serde(default)]
    pub failed: u32,
    pub created_at: i64,
    pub reported_at: Option<i64>,
    pub ttl: i64,
}

impl Invite {
    pub fn is_complete(&self) -> bool {
        self.total > 0 && self.sent + self.failed >= self.total
    }
}

/// What an invite is about, before it is stored.
#[derive(Debug, Clone)]
pub struct NewInvite {
    pub team_id: TeamId,
    pub space_id: SpaceId,
    pub space_name: String,
    pub room_id: RoomId,
    pub room_name: String,
    pub inviter_name: String,
    pub inviter_office_user: Option<OfficeUserId>,
    pub inviter_slack_user: Option<UserId>,
    pub origin: Origin,
    pub channel_id: Option<ChannelId>,
    pub response_url: Option<String>,
    pub view_id: Option<String>,
    pub note: Option<String>,
    pub about: Option<String>,
    pub step: Option<StepRef>,
    /// How many distinct people it is for (0 while unknown: set it with
    /// [`Invites::set_total`] before fanning out).
    pub total: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Sending,
    Sent,
    Failed,
}

impl DeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub recipient: UserId,
    pub status: DeliveryStatus,
    /// Why it failed, in words for the inviter.
    pub reason: Option<String>,
    pub channel: Option<ChannelId>,
    pub ts: Option<String>,
    #[serde(default)]
    pub attempts: u32,
    pub lease_until: Option<i64>,
    pub clicked_at: Option<i64>,
    pub updated_at: i64,
    pub ttl: i64,
}

/// What claiming a delivery found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Send it now.
    Go,
    /// A worker died holding it: send only if the DM is not in the history.
    TakeOver,
    /// Another worker holds it until this time: try again later.
    Busy { until: i64 },
    /// Sent before: do nothing.
    AlreadySent,
    /// Failed for good before: do nothing.
    AlreadyFailed,
    /// No such delivery (the invite expired).
    Unknown,
}

#[derive(Clone)]
pub struct Invites {
    table: SharedTable,
    clock: SharedClock,
}

impl Invites {
    pub fn new(table: SharedTable, clock: SharedClock) -> Self {
        Self { table, clock }
    }

    pub async fn create(&self, new: NewInvite) -> Result<Invite, TableError> {
        self.create_once(&new_ordered_id(), new).await
    }

    /// Creates the invite `id` unless it exists, and returns it as stored:
    /// a job delivered again, with the id its command fixed, finds the
    /// invite its first delivery wrote.
    pub async fn create_once(&self, id: &str, new: NewInvite) -> Result<Invite, TableError> {
        let now = self.clock.now_secs();
        let invite = Invite {
            id: id.to_owned(),
            team_id: new.team_id,
            space_id: new.space_id,
            space_name: new.space_name,
            room_id: new.room_id,
            room_name: new.room_name,
            inviter_name: new.inviter_name,
            inviter_office_user: new.inviter_office_user,
            inviter_slack_user: new.inviter_slack_user,
            origin: new.origin,
            channel_id: new.channel_id,
            response_url: new.response_url,
            view_id: new.view_id,
            note: new.note,
            about: new.about,
            step: new.step,
            total: new.total,
            sent: 0,
            failed: 0,
            created_at: now,
            reported_at: None,
            ttl: now + INVITE_TTL_SECS,
        };
        let item = record_item(&keys::invite(&invite.id), &invite)?;
        match self.table.put(item, Some(Condition::NotExists)).await {
            Ok(()) => Ok(invite),
            Err(TableError::ConditionFailed) => self.get(id).await?.ok_or_else(|| {
                TableError::Invalid(format!("invite {id} exists and cannot be read"))
            }),
            Err(e) => Err(e),
        }
    }

    pub async fn get(&self, id: &str) -> Result<Option<Invite>, TableError> {
        self.table
            .get(&keys::invite(id))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Sets how many people the invite is for, once it is known.
    pub async fn set_total(&self, id: &str, total: u32) -> Result<(), TableError> {
        self.table
            .update(
                &keys::invite(id),
                Update::default().set("total", n(i64::from(total))),
                Some(Condition::Exists),
            )
            .await?;
        Ok(())
    }

    /// Adds recipients (those already on the invite are skipped: a retried
    /// fan-out adds nobody twice). Returns the recipients that are new.
    pub async fn add_recipients(
        &self,
        id: &str,
        recipients: &[UserId],
    ) -> Result<Vec<UserId>, TableError> {
        let now = self.clock.now_secs();
        let mut added = Vec::new();
        for r in recipients {
            let d = Delivery {
                recipient: r.clone(),
                status: DeliveryStatus::Pending,
                reason: None,
                channel: None,
                ts: None,
                attempts: 0,
                lease_until: None,
                clicked_at: None,
                updated_at: now,
                ttl: now + INVITE_TTL_SECS,
            };
            let item = record_item(&keys::delivery(id, r), &d)?;
            match self.table.put(item, Some(Condition::NotExists)).await {
                Ok(()) => added.push(r.clone()),
                Err(TableError::ConditionFailed) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(added)
    }

    pub async fn delivery(
        &self,
        id: &str,
        recipient: &UserId,
    ) -> Result<Option<Delivery>, TableError> {
        self.table
            .get(&keys::delivery(id, recipient))
            .await?
            .map(from_item)
            .transpose()
    }

    pub async fn deliveries(&self, id: &str) -> Result<Vec<Delivery>, TableError> {
        all_records(
            self.table.as_ref(),
            Query::partition(keys::invite_pk(id))
                .prefix(keys::DELIVERY_PREFIX)
                .limit(500),
        )
        .await
    }

    /// Claims a delivery for sending (see the module doc).
    pub async fn claim(&self, id: &str, recipient: &UserId) -> Result<Claim, TableError> {
        let now = self.clock.now_secs();
        let key = keys::delivery(id, recipient);
        let take = Update::default()
            .set("status", s(DeliveryStatus::Sending.as_str()))
            .set("lease_until", n(now + LEASE_SECS))
            .set("updated_at", n(now))
            .add("attempts", 1);
        match self
            .table
            .update(
                &key,
                take.clone(),
                Some(Condition::Equals(
                    "status".into(),
                    s(DeliveryStatus::Pending.as_str()),
                )),
            )
            .await
        {
            Ok(_) => return Ok(Claim::Go),
            Err(TableError::ConditionFailed) => {}
            Err(e) => return Err(e),
        }
        let Some(d) = self.delivery(id, recipient).await? else {
            return Ok(Claim::Unknown);
        };
        match d.status {
            DeliveryStatus::Sent => Ok(Claim::AlreadySent),
            DeliveryStatus::Failed => Ok(Claim::AlreadyFailed),
            // Released between our two reads: try again.
            DeliveryStatus::Pending => Ok(Claim::Busy { until: now }),
            DeliveryStatus::Sending => {
                let until = d.lease_until.unwrap_or(0);
                if until >= now {
                    return Ok(Claim::Busy { until });
                }
                match self
                    .table
                    .update(
                        &key,
                        take,
                        Some(Condition::All(vec![
                            Condition::Equals("status".into(), s(DeliveryStatus::Sending.as_str())),
                            Condition::Below("lease_until".into(), now),
                        ])),
                    )
                    .await
                {
                    Ok(_) => Ok(Claim::TakeOver),
                    Err(TableError::ConditionFailed) => Ok(Claim::Busy {
                        until: now + LEASE_SECS,
                    }),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// Gives a claim back (the send must wait, e.g. for a rate limit).
    pub async fn release(&self, id: &str, recipient: &UserId) -> Result<(), TableError> {
        let update = Update::default()
            .set("status", s(DeliveryStatus::Pending.as_str()))
            .remove("lease_until")
            .set("updated_at", n(self.clock.now_secs()));
        self.while_sending(id, recipient, update).await
    }

    /// Gives a claimed delivery back after a send whose outcome is unknown
    /// (Slack timed out or failed after the request went out): the lease
    /// ends now, so the next claim is a [`Claim::TakeOver`], which looks in
    /// the DM's history before sending again.
    pub async fn release_uncertain(&self, id: &str, recipient: &UserId) -> Result<(), TableError> {
        let now = self.clock.now_secs();
        let update = Update::default()
            .set("lease_until", n(now - 1))
            .set("updated_at", n(now));
        self.while_sending(id, recipient, update).await
    }

    /// Applies `update` to a delivery still being sent; one settled
    /// meanwhile is left as it is.
    async fn while_sending(
        &self,
        id: &str,
        recipient: &UserId,
        update: Update,
    ) -> Result<(), TableError> {
        match self
            .table
            .update(
                &keys::delivery(id, recipient),
                update,
                Some(Condition::Equals(
                    "status".into(),
                    s(DeliveryStatus::Sending.as_str()),
                )),
            )
            .await
        {
            Ok(_) | Err(TableError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Marks a claimed delivery sent or failed and counts it on the invite.
    /// Returns the invite when this mark completed it (exactly once).
    async fn finish(
        &self,
        id: &str,
        recipient: &UserId,
        delivery: Update,
        counter: &str,
    ) -> Result<Option<Invite>, TableError> {
        let result = self
            .table
            .transact(vec![
                Write::Update {
                    key: keys::delivery(id, recipient),
                    update: delivery,
                    condition: Some(Condition::Equals(
                        "status".into(),
                        s(DeliveryStatus::Sending.as_str()),
                    )),
                },
                Write::Update {
                    key: keys::invite(id),
                    update: Update::default().add(counter, 1),
                    condition: Some(Condition::Exists),
                },
            ])
            .await;
        match result {
            Ok(()) => {}
            // Finished by someone else already: not ours to count.
            Err(TableError::TransactionConflict { failed }) if failed.contains(&0) => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
        let Some(invite) = self.get(id).await? else {
            return Ok(None);
        };
        if !invite.is_complete() {
            return Ok(None);
        }
        match self
            .table
            .update(
                &keys::invite(id),
                Update::default().set("reported_at", n(self.clock.now_secs())),
                Some(Condition::AttrMissing("reported_at".into())),
            )
            .await
        {
            Ok(item) => Ok(Some(from_item(item)?)),
            Err(TableError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn mark_sent(
        &self,
        id: &str,
        recipient: &UserId,
        channel: &ChannelId,
        ts: &str,
    ) -> Result<Option<Invite>, TableError> {
        let update = Update::default()
            .set("status", s(DeliveryStatus::Sent.as_str()))
            .set("channel", s(channel.as_str()))
            .set("ts", s(ts))
            .remove("lease_until")
            .set("updated_at", n(self.clock.now_secs()));
        self.finish(id, recipient, update, "sent").await
    }

    pub async fn mark_failed(
        &self,
        id: &str,
        recipient: &UserId,
        reason: &str,
    ) -> Result<Option<Invite>, TableError> {
        let update = Update::default()
            .set("status", s(DeliveryStatus::Failed.as_str()))
            .set("reason", s(reason))
            .remove("lease_until")
            .set("updated_at", n(self.clock.now_secs()));
        self.finish(id, recipient, update, "failed").await
    }

    /// Notes that the recipient clicked Join (from the interactivity payload).
    pub async fn record_click(&self, id: &str, recipient: &UserId) -> Result<bool, TableError> {
        match self
            .table
            .update(
                &keys::delivery(id, recipient),
                Update::default().set("clicked_at", n(self.clock.now_secs())),
                Some(Condition::Exists),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(TableError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
