//! The queue's message contract: one versioned, tagged enum.
//!
//! A message body is JSON `{"v": 1, "job": "<kind>", ...fields}`. The version
//! changes only when a job's meaning changes incompatibly; adding an optional
//! field does not. A worker that meets a version or kind it does not know
//! fails that message (it is dead-lettered) instead of guessing.
//!
//! Beside the job, a message may carry its [`Delivery`]: how many times it
//! failed, how long it waited, and when it was dead-lettered. The worker
//! sends a job that must wait or failed again as a new message with a delay
//! and this record, so waiting never spends the queue's receives.

use serde::{Deserialize, Serialize};

use crate::ids::{
    ChannelId, EnterpriseId, EventId, MessageTs, OfficeUserId, RoomId, SpaceId, TeamId, UserId,
};
use crate::queue::{JobQueue, QueueError};
use crate::slack::events::SlackEvent;

pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    /// An Events API event we act on, claimed and acknowledged already.
    SlackEvent(SlackEventJob),
    /// Adds recipients to an invite and queues one delivery each, a hundred
    /// at a time (the rest goes on in a follow-up job).
    FanOut(FanOutJob),
    /// One invite DM to one person, at most once.
    Deliver(DeliverJob),
    /// A channel mapped to a room: invite its members.
    Onboard(OnboardJob),
    /// Tells the inviter who was reached.
    Report(ReportJob),
    /// One page of a team's `users.list` into the directory; the next page
    /// is its own job, queued at Tier 2's pace.
    Directory(DirectoryJob),
    /// A retry of a notification to the office webhook.
    Notify(NotifyJob),
    /// A meeting called from Slack ended: its summary goes where it began.
    MeetingNotice(MeetingNoticeJob),
    /// An admin prompts one person to link ("Sync now" DM).
    Prompt(PromptJob),
    /// What a `/hallway` answered and left to be done: its records (the
    /// meeting, the invite, the channel's mapping) and its fan-out.
    Command(Box<CommandJob>),
    /// A Slack Call card's participants brought up to date.
    CallSync(CallSyncJob),
}

impl Job {
    pub fn kind(&self) -> &'static str {
        match self {
            Job::SlackEvent(_) => "slack_event",
            Job::FanOut(_) => "fan_out",
            Job::Deliver(_) => "deliver",
            Job::Onboard(_) => "onboard",
            Job::Report(_) => "report",
            Job::Directory(_) => "directory",
            Job::Notify(_) => "notify",
            Job::MeetingNotice(_) => "meeting_notice",
            Job::Prompt(_) => "prompt",
            Job::Command(_) => "command",
            Job::CallSync(_) => "call_sync",
        }
    }

    /// The team whose Slack the job would call, for logs and for stopping a
    /// revoked team's jobs.
    pub fn team(&self) -> &TeamId {
        match self {
            Job::SlackEvent(j) => &j.team_id,
            Job::FanOut(j) => &j.team_id,
            Job::Deliver(j) => &j.team_id,
            Job::Onboard(j) => &j.team_id,
            Job::Report(j) => &j.team_id,
            Job::Directory(j) => &j.team_id,
            Job::Notify(j) => &j.notification.team_id,
            Job::MeetingNotice(j) => &j.meeting.team_id,
            Job::Prompt(j) => &j.team_id,
            Job::Command(j) => &j.team_id,
            Job::CallSync(j) => &j.team_id,
        }
    }
}

/// A slash command's work after its answer. Everything it writes is keyed
/// by what the command fixed when it answered (the invite id among it), so
/// a job delivered twice writes the same records once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandJob {
    /// The command as typed (`/hallway`), for replies that name it.
    pub command: String,
    pub team_id: TeamId,
    pub channel_id: ChannelId,
    /// As Slack sent it: `directmessage` in a DM, the channel's name in a
    /// channel.
    #[serde(default)]
    pub channel_name: Option<String>,
    /// Who ran the command, in Slack and in the office.
    pub user_id: UserId,
    #[serde(default)]
    pub user_name: Option<String>,
    pub caller: OfficeUserId,
    /// A slash command's or message shortcut's; `None` from a global
    /// shortcut's modal, which has none.
    #[serde(default)]
    pub response_url: Option<String>,
    /// The modal the command came from: how it went is shown there (the
    /// person's DM with the app once they closed it).
    #[serde(default)]
    pub view_id: Option<String>,
    /// A note from the modal, shown in each invite.
    #[serde(default)]
    pub note: Option<String>,
    /// The message "Meet about this" was run on; each invite links it.
    #[serde(default)]
    pub about: Option<MessageRef>,
    pub space_id: SpaceId,
    pub space_name: String,
    pub room_id: RoomId,
    pub room_name: String,
    /// Run in a DM with the app (the meeting's summary goes back there).
    #[serde(default)]
    pub direct: bool,
    pub action: CommandAction,
}

/// One Slack message: its conversation and `ts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRef {
    pub channel: ChannelId,
    pub ts: MessageTs,
}

/// What the command asked for beyond calling people to the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommandAction {
    /// A call: the meeting is recorded; with `card`, the channel's call is
    /// a Slack Call card the worker posts (the acknowledgement only said
    /// it was coming).
    Call {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        card: Option<CallCard>,
    },
    /// `/hallway @a @b …`: one invite DM each.
    Invite {
        invite_id: String,
        recipients: Vec<UserId>,
        /// The meet form's "also call the channel": a call card too.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call: Option<CallCard>,
    },
    /// `/hallway 'space' 'room'` in a channel: if the caller is a member of
    /// the space, the channel meets in the room from now on and its
    /// members are invited.
    MapChannel { invite_id: String },
}

/// What a call's plain message needs when the worker posts it instead of a
/// card (the workspace does not take the app as a Calls provider).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallCard {
    /// `<!channel>` / `<!here>`: how the channel is notified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention: Option<String>,
    /// "No room of HQ is empty; …".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the card goes when the job has no `response_url` of its own
    /// (the meet form's, whose results show in the modal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_url: Option<String>,
    /// Fixed when the call was asked for: the Call's
    /// `external_unique_id`, so a redelivered job registers the same one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// A meeting's Slack Call lists other people than its room holds: bring
/// its participants up to date from the room as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSyncJob {
    pub team_id: TeamId,
    pub space_id: SpaceId,
    pub room_id: RoomId,
    /// A check queued when the Call was registered, a day on: a Call whose
    /// meeting never started, or is gone, or whose room is gone, is ended
    /// (nothing else would end it); one still going is checked again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptJob {
    pub team_id: TeamId,
    pub user: UserId,
    /// The spaces named in the DM.
    pub spaces: Vec<String>,
    /// A reprompt: sent even if they were prompted within the day.
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingNoticeJob {
    pub meeting: EndedMeeting,
    pub ended_at: i64,
    /// As they were named when it ended.
    pub room_name: String,
    pub space_name: String,
}

/// The meeting a notice is about, as the job carries it: its own type, so
/// that a change to the stored record ([`crate::store::meetings::Meeting`])
/// cannot change this format by accident. Field for field what version 1
/// has always carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndedMeeting {
    pub space_id: SpaceId,
    pub room_id: RoomId,
    pub team_id: TeamId,
    /// Where it was called: the summary goes here.
    pub channel_id: ChannelId,
    pub called_by: Option<UserId>,
    /// Called in a DM: the summary goes to the caller's DM with the app.
    #[serde(default)]
    pub direct: bool,
    pub called_at: i64,
    /// When someone was first seen in the room after the call.
    pub started_at: Option<i64>,
    /// Everyone seen in the room while it went on, in order of arrival.
    #[serde(default)]
    pub joined: Vec<OfficeUserId>,
    /// The stored record's expiry, unused by the notice; kept because
    /// version 1 readers require it.
    pub ttl: i64,
    /// Its Slack Call, ended with the meeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_call_id: Option<String>,
}

impl EndedMeeting {
    /// How long it went on, from the first arrival to `ended_at`.
    pub fn duration_secs(&self, ended_at: i64) -> i64 {
        self.started_at.map_or(0, |s| (ended_at - s).max(0))
    }
}

impl From<crate::store::meetings::Meeting> for EndedMeeting {
    fn from(m: crate::store::meetings::Meeting) -> Self {
        Self {
            space_id: m.space_id,
            room_id: m.room_id,
            team_id: m.team_id,
            channel_id: m.channel_id,
            called_by: m.called_by,
            direct: m.direct,
            called_at: m.called_at,
            started_at: m.started_at,
            joined: m.joined,
            ttl: m.ttl,
            slack_call_id: m.slack_call_id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanOutJob {
    pub invite_id: String,
    pub team_id: TeamId,
    pub recipients: Vec<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverJob {
    pub invite_id: String,
    pub team_id: TeamId,
    pub recipient: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardJob {
    pub invite_id: String,
    pub team_id: TeamId,
    pub channel_id: ChannelId,
    /// Who mapped the channel (not invited to their own meeting).
    pub caller: UserId,
    /// People invited besides the channel's members (a workflow step's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportJob {
    pub invite_id: String,
    pub team_id: TeamId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryJob {
    pub team_id: TeamId,
    /// The refresh this page belongs to; a page of a replaced run stops.
    pub run_id: String,
    /// 0-based page number: a page recorded before is not fetched again.
    pub page: u32,
    /// Slack's cursor for this page (`None` for the first).
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyJob {
    /// Attempts made so far (the first was made before this job).
    pub attempt: u32,
    pub notification: crate::office_webhook::Notification,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlackEventJob {
    pub team_id: TeamId,
    pub enterprise_id: Option<EnterpriseId>,
    /// The installation that received it is organisation-wide
    /// (`authorizations[0].is_enterprise_install`): a lifecycle event is
    /// then about the organisation's install, not a workspace's own.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_enterprise_install: bool,
    pub event_id: EventId,
    pub event_time: i64,
    pub event: SlackEvent,
}

/// How a job has fared so far, carried from one message to the next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Failures so far; waits are not failures.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts: u32,
    /// Seconds spent waiting (Slack's `Retry-After`, paces) so far.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub waited_secs: u64,
    /// Unix seconds before which the job must not run: a wait longer than
    /// SQS's 15-minute delay goes on in another message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
    /// Why the worker dead-lettered it. A job redriven from the dead-letter
    /// queue carries it, and starts its attempts again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter: Option<String>,
}

fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
}

impl Delivery {
    fn is_fresh(&self) -> bool {
        *self == Delivery::default()
    }
}

/// A decoded message: the job and its delivery record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub job: Job,
    pub delivery: Delivery,
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    v: u32,
    #[serde(skip_serializing_if = "Delivery::is_fresh")]
    delivery: &'a Delivery,
    #[serde(flatten)]
    job: &'a Job,
}

#[derive(Deserialize)]
struct VersionOnly {
    v: Option<u32>,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    #[serde(default)]
    delivery: Delivery,
    #[serde(flatten)]
    job: Job,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("the message is not a JSON object with a version: {0}")]
    Malformed(String),
    #[error("job version {0} is not one this worker knows (it knows {VERSION})")]
    UnknownVersion(u32),
    #[error("the job does not match the v1 contract: {0}")]
    BadJob(String),
}

pub fn encode(job: &Job) -> String {
    encode_with(job, &Delivery::default())
}

/// A job with its delivery record, for the worker's re-sends.
pub fn encode_with(job: &Job, delivery: &Delivery) -> String {
    serde_json::to_string(&EnvelopeOut {
        v: VERSION,
        delivery,
        job,
    })
    .expect("jobs are plain data and always serialise")
}

pub fn decode(body: &str) -> Result<Job, DecodeError> {
    decode_envelope(body).map(|e| e.job)
}

pub fn decode_envelope(body: &str) -> Result<Envelope, DecodeError> {
    let version: VersionOnly =
        serde_json::from_str(body).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    match version.v {
        Some(VERSION) => {}
        Some(other) => return Err(DecodeError::UnknownVersion(other)),
        None => return Err(DecodeError::Malformed("no \"v\" field".into())),
    }
    serde_json::from_str::<EnvelopeIn>(body)
        .map(|e| Envelope {
            job: e.job,
            delivery: e.delivery,
        })
        .map_err(|e| DecodeError::BadJob(e.to_string()))
}

/// Queues a job.
pub async fn enqueue(
    queue: &dyn JobQueue,
    job: &Job,
    delay: std::time::Duration,
) -> Result<String, QueueError> {
    queue.send(&encode(job), delay).await
}

/// Queues many jobs, in batches (SQS takes ten per call).
pub async fn enqueue_all(queue: &dyn JobQueue, jobs: &[Job]) -> Result<(), QueueError> {
    let bodies: Vec<String> = jobs.iter().map(encode).collect();
    queue.send_batch(&bodies).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slack::events::RevokedTokens;

    #[test]
    fn a_call_queued_before_call_cards_still_reads_and_a_card_round_trips() {
        let old: CommandAction = serde_json::from_str(r#"{"kind": "call"}"#).unwrap();
        assert_eq!(old, CommandAction::Call { card: None });
        let card = CommandAction::Call {
            card: Some(CallCard {
                mention: Some("<!here>".into()),
                note: None,
                response_url: None,
                key: None,
            }),
        };
        let text = serde_json::to_string(&card).unwrap();
        assert_eq!(text, r#"{"kind":"call","card":{"mention":"<!here>"}}"#);
        assert_eq!(serde_json::from_str::<CommandAction>(&text).unwrap(), card);
    }

    /// Every key of `sample`, with its value, is in `encoded` (which may
    /// add keys that have defaults).
    fn contains(encoded: &serde_json::Value, sample: &serde_json::Value, path: &str) {
        use serde_json::Value;
        match (encoded, sample) {
            (Value::Object(e), Value::Object(s)) => {
                for (k, v) in s {
                    let at = format!("{path}.{k}");
                    let got = e
                        .get(k)
                        .unwrap_or_else(|| panic!("{at} is gone from the job format"));
                    contains(got, v, &at);
                }
            }
            (Value::Array(e), Value::Array(s)) if e.len() == s.len() => {
                for (i, (e, s)) in e.iter().zip(s).enumerate() {
                    contains(e, s, &format!("{path}[{i}]"));
                }
            }
            _ => assert_eq!(encoded, sample, "{path} changed in the job format"),
        }
    }

    /// The job format is versioned: the samples in `events/worker` are
    /// messages as version 1 writes them, and must read and write back the
    /// same, whatever the stored records they are made from become.
    #[test]
    fn the_samples_keep_their_format() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/worker");
        let mut read = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let file: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for record in file["Records"].as_array().unwrap() {
                let body = record["body"].as_str().unwrap();
                let Ok(envelope) = decode_envelope(body) else {
                    let name = path.file_name().unwrap().to_string_lossy();
                    assert!(name.contains("poison"), "{name}: {body}");
                    continue;
                };
                let again = encode_with(&envelope.job, &envelope.delivery);
                contains(
                    &serde_json::from_str(&again).unwrap(),
                    &serde_json::from_str(body).unwrap(),
                    &path.display().to_string(),
                );
                read += 1;
            }
        }
        assert!(read >= 10, "only {read} samples read");
    }

    fn job() -> Job {
        Job::SlackEvent(SlackEventJob {
            team_id: TeamId::new("T1").unwrap(),
            enterprise_id: None,
            is_enterprise_install: false,
            event_id: EventId::new("Ev1").unwrap(),
            event_time: 1_700_000_000,
            event: SlackEvent::TokensRevoked {
                tokens: RevokedTokens::default(),
            },
        })
    }

    #[test]
    fn encodes_with_version_and_kind() {
        let body = encode(&job());
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["v"], 1);
        assert_eq!(v["job"], "slack_event");
        assert_eq!(v["event"]["type"], "tokens_revoked");
        assert_eq!(decode(&body).unwrap(), job());
    }

    #[test]
    fn the_delivery_record_travels_beside_the_job() {
        let plain = encode(&job());
        assert!(!plain.contains("delivery"), "{plain}");
        let d = Delivery {
            attempts: 2,
            waited_secs: 90,
            not_before: Some(1_700_000_900),
            dead_letter: None,
        };
        let body = encode_with(&job(), &d);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["delivery"]["attempts"], 2);
        assert_eq!(v["job"], "slack_event");
        let back = decode_envelope(&body).unwrap();
        assert_eq!((back.job, back.delivery), (job(), d));
        assert_eq!(
            decode_envelope(&plain).unwrap().delivery,
            Delivery::default()
        );
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        assert!(matches!(decode("not json"), Err(DecodeError::Malformed(_))));
        assert!(matches!(decode("{}"), Err(DecodeError::Malformed(_))));
        assert_eq!(
            decode(r#"{"v":2,"job":"slack_event"}"#),
            Err(DecodeError::UnknownVersion(2))
        );
        assert!(matches!(
            decode(r#"{"v":1,"job":"make_coffee"}"#),
            Err(DecodeError::BadJob(_))
        ));
        assert!(matches!(
            decode(r#"{"v":1,"job":"slack_event","team_id":"T#1"}"#),
            Err(DecodeError::BadJob(_))
        ));
    }
}
