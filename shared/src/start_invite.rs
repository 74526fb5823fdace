//! Starting an invite: the one use case two functions share. The office's
//! "Get <user>" (`hallway-api`) and a `/hallway @…` (the worker, from the
//! command's job) both write the invite's record and then queue its
//! fan-out, in that order: a fan-out job never names an invite that was not
//! written, and a record whose job was lost is found incomplete by the
//! caller's status read rather than sent twice.

use std::time::Duration;

use crate::ids::UserId;
use crate::jobs::{self, FanOutJob, Job};
use crate::queue::{JobQueue, QueueError};
use crate::store::{Invite, Invites, NewInvite};
use crate::table::TableError;

/// Both are "try again": nothing the caller typed was wrong.
#[derive(Debug, thiserror::Error)]
pub enum StartInviteError {
    #[error("the invite could not be written: {0}")]
    Table(#[from] TableError),
    #[error("the invite's fan-out could not be queued: {0}")]
    Queue(#[from] QueueError),
}

/// Writes invite `id` unless it exists (a job delivered again with the id
/// its command fixed finds the first delivery's record) and queues one DM
/// to each of `recipients`. Fan-out sends at most once per recipient, so a
/// retried start sends nobody a second DM.
pub async fn start_invite(
    invites: &Invites,
    queue: &dyn JobQueue,
    id: &str,
    new: NewInvite,
    recipients: Vec<UserId>,
) -> Result<Invite, StartInviteError> {
    let invite = invites.create_once(id, new).await?;
    let fan_out = Job::FanOut(FanOutJob {
        invite_id: invite.id.clone(),
        team_id: invite.team_id.clone(),
        recipients,
    });
    jobs::enqueue(queue, &fan_out, Duration::ZERO).await?;
    Ok(invite)
}
