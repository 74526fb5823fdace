//! People sync, for a space's admins and moderators: who of the Slack
//! workspace and the space is linked (`on`), prompted (`pending`), not
//! (`off`) or could not be prompted (`failed`); how (`identity` from Sign in
//! with Slack, `chat` with a user token); where they mainly work
//! (`platform`). Prompts go through the queue, one job a person, paced by
//! the worker; reset breaks a link; remove forgets a person's link, tokens,
//! sync state, bridged conversations, welcomes and DM channel. Every action
//! lands in the space's audit log.

use std::collections::HashMap;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use hallway::ids::{OfficeUserId, SpaceId, TeamId, UserId};
use hallway::jobs::{self, Job, PromptJob};
use hallway::services::Services;
use hallway::store::sync::{PROMPT_INTERVAL_SECS, SyncState, SyncStatus};
use hallway::store::{LinkedVia, Person, Role, Space};
use hallway::web::ApiError;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::caller::{Caller, Need};
use crate::{connected_team, id};

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub slack_user_id: Option<UserId>,
    pub office_user_id: Option<OfficeUserId>,
    pub name: String,
    /// `slack` or `office`.
    pub platform: &'static str,
    /// `on`, `pending`, `off`, `failed`.
    pub status: &'static str,
    /// `chat` (user token), `identity` (Sign in with Slack), `none`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub role: Option<Role>,
    pub prompted_at: Option<i64>,
    pub prompts: u32,
    pub reason: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Filters {
    pub platform: Option<String>,
    pub status: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

fn check(value: &Option<String>, name: &str, allowed: &[&str]) -> Result<(), ApiError> {
    match value.as_deref() {
        Some(v) if !allowed.contains(&v) => Err(ApiError::BadRequest(format!(
            "{name} must be one of {}",
            allowed.join(", ")
        ))),
        _ => Ok(()),
    }
}

impl Filters {
    fn validate(&self) -> Result<(), ApiError> {
        check(&self.platform, "platform", &["slack", "office"])?;
        check(&self.status, "status", &["on", "pending", "off", "failed"])?;
        check(&self.kind, "type", &["chat", "identity", "none"])
    }

    fn keeps(&self, r: &Row) -> bool {
        let is = |f: &Option<String>, v: &str| f.as_deref().is_none_or(|x| x == v);
        is(&self.platform, r.platform) && is(&self.status, r.status) && is(&self.kind, r.kind)
    }
}

fn status_of(state: Option<&SyncState>) -> &'static str {
    match state.map(|s| s.status) {
        Some(SyncStatus::Pending) => "pending",
        Some(SyncStatus::Failed) => "failed",
        Some(SyncStatus::On) => "on",
        Some(SyncStatus::Off) | None => "off",
    }
}

/// Everyone people sync knows of in the space: the workspace's people
/// (bots and the deactivated left out) and the space's members.
pub async fn rows(s: &Services, space: &Space, team: &TeamId) -> Result<Vec<Row>, ApiError> {
    let people: Vec<Person> = s
        .directory()
        .everyone(team)
        .await?
        .into_iter()
        .filter(Person::is_person)
        .collect();
    let linked: HashMap<UserId, OfficeUserId> =
        s.links().linked_in_team(team).await?.into_iter().collect();
    let states: HashMap<UserId, SyncState> = s.sync().all(team).await?.into_iter().collect();
    let members: HashMap<OfficeUserId, Role> = s
        .members()
        .list(&space.id)
        .await?
        .into_iter()
        .map(|m| (m.user_id, m.role))
        .collect();
    let (links, users) = (s.links(), s.users());
    let mut out = Vec::with_capacity(people.len() + members.len());
    let mut seen_office = Vec::new();
    for p in &people {
        let state = states.get(&p.id);
        let mut row = Row {
            slack_user_id: Some(p.id.clone()),
            office_user_id: None,
            name: p.label().to_owned(),
            platform: "slack",
            status: status_of(state),
            kind: "none",
            role: None,
            prompted_at: state.and_then(|s| s.prompted_at),
            prompts: state.map_or(0, |s| s.prompts),
            reason: state.and_then(|s| s.reason.clone()),
        };
        if let Some(ou) = linked.get(&p.id) {
            let link = links.get(ou, team).await?;
            row.status = "on";
            row.reason = None;
            row.kind = match &link {
                Some(l) if l.has_user_token() => "chat",
                _ => "identity",
            };
            // Office accounts made by Sign in with Slack belong to people
            // who work in Slack; a link made from the office, to people
            // who work in the office.
            row.platform = match link.map(|l| l.via) {
                Some(LinkedVia::Authorize) => "office",
                _ => "slack",
            };
            row.role = members.get(ou).copied();
            row.office_user_id = Some(ou.clone());
            seen_office.push(ou.clone());
        }
        out.push(row);
    }
    // Members of the space with no Slack account linked.
    for (ou, role) in &members {
        if seen_office.contains(ou) {
            continue;
        }
        let name = users
            .get(ou)
            .await?
            .map(|u| u.name)
            .unwrap_or_else(|| ou.to_string());
        out.push(Row {
            slack_user_id: None,
            office_user_id: Some(ou.clone()),
            name,
            platform: "office",
            status: "off",
            kind: "none",
            role: Some(*role),
            prompted_at: None,
            prompts: 0,
            reason: None,
        });
    }
    out.sort_by_key(|a| a.name.to_lowercase());
    Ok(out)
}

/// The space, for an admin or moderator, with its Slack workspace.
pub async fn managed(
    s: &Services,
    caller: &Caller,
    space: &SpaceId,
) -> Result<(Space, TeamId), ApiError> {
    let (space, _) = caller.authorize(s, space, Need::Manager).await?;
    let team = connected_team(&space)?;
    Ok((space, team))
}

/// The list, filtered, with counts over everyone.
pub async fn listing(
    s: &Services,
    space: &Space,
    team: &TeamId,
    f: &Filters,
) -> Result<Value, ApiError> {
    f.validate()?;
    let all = rows(s, space, team).await?;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in &all {
        *counts.entry(r.status).or_default() += 1;
    }
    let shown: Vec<&Row> = all.iter().filter(|r| f.keeps(r)).collect();
    Ok(json!({
        "people": shown,
        "counts": {
            "on": counts.get("on").copied().unwrap_or(0),
            "pending": counts.get("pending").copied().unwrap_or(0),
            "off": counts.get("off").copied().unwrap_or(0),
            "failed": counts.get("failed").copied().unwrap_or(0),
            "total": all.len(),
            "shown": shown.len(),
        },
        "auto_prompt": space.auto_prompt,
    }))
}

/// `GET /api/v1/spaces/{space}/sync?platform=&status=&type=`.
pub async fn list(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
    Query(f): Query<Filters>,
) -> Result<Json<Value>, ApiError> {
    f.validate()?;
    let (space, team) = managed(&s, &caller, &id(space)?).await?;
    Ok(Json(listing(&s, &space, &team, &f).await?))
}

/// The Slack person an action is about: one of the workspace's people.
async fn person(s: &Services, team: &TeamId, user: &UserId) -> Result<Person, ApiError> {
    s.directory()
        .get(team, user)
        .await?
        .filter(Person::is_person)
        .ok_or_else(|| ApiError::NotFound(format!("no person {user} in this workspace")))
}

async fn spaces_named(s: &Services, team: &TeamId) -> Result<Vec<String>, ApiError> {
    Ok(s.spaces()
        .for_team(team)
        .await
        .map_err(crate::spaces_error)?
        .into_iter()
        .filter(|t| t.connected)
        .map(|t| t.space_name)
        .collect())
}

/// When the person was prompted, if that was less than a day ago.
fn prompted_recently(prompted_at: Option<i64>, now: i64) -> Option<i64> {
    prompted_at.filter(|at| *at > 0 && now - at < PROMPT_INTERVAL_SECS)
}

async fn queue_prompts(
    s: &Services,
    team: &TeamId,
    users: Vec<UserId>,
    force: bool,
) -> Result<(), ApiError> {
    let spaces = spaces_named(s, team).await?;
    let jobs: Vec<Job> = users
        .into_iter()
        .map(|user| {
            Job::Prompt(PromptJob {
                team_id: team.clone(),
                user,
                spaces: spaces.clone(),
                force,
            })
        })
        .collect();
    match jobs.as_slice() {
        [] => Ok(()),
        [one] => Ok(jobs::enqueue(s.queue.as_ref(), one, Duration::ZERO)
            .await
            .map(|_| ())?),
        _ => Ok(jobs::enqueue_all(s.queue.as_ref(), &jobs).await?),
    }
}

/// Queues a prompt for one person (`force`: a reprompt).
pub async fn prompt_person(
    s: &Services,
    caller: &Caller,
    space: &Space,
    team: &TeamId,
    user: &UserId,
    force: bool,
) -> Result<Value, ApiError> {
    let p = person(s, team, user).await?;
    if s.links().office_user_for(team, &p.id).await?.is_some() {
        return Err(ApiError::Conflict(format!(
            "{} is linked already",
            p.label()
        )));
    }
    let state = s.sync().get(team, &p.id).await?;
    if !force
        && let Some(at) = prompted_recently(state.and_then(|st| st.prompted_at), s.clock.now_secs())
    {
        return Err(ApiError::Conflict(format!(
            "{} was prompted less than a day ago (at {at}); reprompt to send another now",
            p.label()
        )));
    }
    queue_prompts(s, team, vec![p.id.clone()], force).await?;
    let action = if force {
        "sync.reprompt"
    } else {
        "sync.prompt"
    };
    s.audit()
        .record(
            &space.id,
            caller.user(),
            action,
            Some(p.id.as_str()),
            json!({"name": p.label()}),
        )
        .await?;
    Ok(json!({"queued": 1, "slack_user_id": p.id, "name": p.label()}))
}

async fn prompt(
    s: Services,
    caller: Caller,
    space: String,
    user: String,
    force: bool,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (space, team) = managed(&s, &caller, &id(space)?).await?;
    let done = prompt_person(&s, &caller, &space, &team, &id(user)?, force).await?;
    Ok((StatusCode::ACCEPTED, Json(done)))
}

/// `POST /api/v1/spaces/{space}/sync/{slack_user}/prompt`: at most once a
/// day per person.
pub async fn prompt_one(
    State(s): State<Services>,
    caller: Caller,
    Path((space, user)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    prompt(s, caller, space, user, false).await
}

/// `POST /api/v1/spaces/{space}/sync/{slack_user}/reprompt`: now,
/// whenever the last one was.
pub async fn reprompt(
    State(s): State<Services>,
    caller: Caller,
    Path((space, user)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    prompt(s, caller, space, user, true).await
}

/// `POST /api/v1/spaces/{space}/sync/prompt-all`: everyone of the
/// workspace not linked and not prompted within the day.
pub async fn prompt_all(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (space, team) = managed(&s, &caller, &id(space)?).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(prompt_everyone(&s, &caller, &space, &team).await?),
    ))
}

/// Queues a prompt for everyone not linked and not prompted within the day.
pub async fn prompt_everyone(
    s: &Services,
    caller: &Caller,
    space: &Space,
    team: &TeamId,
) -> Result<Value, ApiError> {
    // The rows carry each person's last prompt: no second read of the states.
    let all = rows(s, space, team).await?;
    let now = s.clock.now_secs();
    let (mut users, mut linked, mut recent) = (Vec::new(), 0, 0);
    for r in all.iter() {
        let Some(id) = &r.slack_user_id else {
            continue;
        };
        if r.status == "on" {
            linked += 1;
        } else if prompted_recently(r.prompted_at, now).is_some() {
            recent += 1;
        } else {
            users.push(id.clone());
        }
    }
    let queued = users.len();
    queue_prompts(s, team, users, false).await?;
    let counts = json!({
        "queued": queued,
        "already_linked": linked,
        "prompted_within_a_day": recent,
    });
    s.audit()
        .record(
            &space.id,
            caller.user(),
            "sync.prompt_all",
            None,
            counts.clone(),
        )
        .await?;
    Ok(counts)
}

/// Breaks a person's link (tokens with it); they are back to `off`.
pub async fn reset_person(
    s: &Services,
    caller: &Caller,
    space: &Space,
    team: &TeamId,
    user: &UserId,
) -> Result<Value, ApiError> {
    let unlinked = unlink(s, team, user).await?;
    s.sync().clear(team, user).await?;
    s.audit()
        .record(
            &space.id,
            caller.user(),
            "sync.reset",
            Some(user.as_str()),
            json!({"office_user_id": unlinked}),
        )
        .await?;
    Ok(json!({"slack_user_id": user, "status": "off", "unlinked": unlinked}))
}

/// `POST /api/v1/spaces/{space}/sync/{slack_user}/reset`.
pub async fn reset(
    State(s): State<Services>,
    caller: Caller,
    Path((space, user)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (space, team) = managed(&s, &caller, &id(space)?).await?;
    Ok(Json(
        reset_person(&s, &caller, &space, &team, &id(user)?).await?,
    ))
}

async fn unlink(
    s: &Services,
    team: &TeamId,
    user: &UserId,
) -> Result<Option<OfficeUserId>, ApiError> {
    let links = s.links();
    let Some(ou) = links.office_user_for(team, user).await? else {
        return Ok(None);
    };
    links.unlink(&ou, team).await?;
    Ok(Some(ou))
}

/// Forgets a person: link and tokens, sync state, bridged conversations
/// and their messages, welcomes and the bot's DM channel. The workspace's
/// directory keeps them (Slack's `users.list` would bring them back), and
/// the audit log keeps the record of this.
pub async fn remove_person(
    s: &Services,
    caller: &Caller,
    space: &Space,
    team: &TeamId,
    user: &UserId,
) -> Result<Value, ApiError> {
    let unlinked = unlink(s, team, user).await?;
    s.sync().clear(team, user).await?;
    let (conversations, messages) = s.chat().forget_person(team, user).await?;
    let channel_records = s.channels().forget_person(team, user).await?;
    let detail = json!({
        "office_user_id": unlinked,
        "conversations": conversations,
        "messages": messages,
        "channel_records": channel_records,
    });
    s.audit()
        .record(
            &space.id,
            caller.user(),
            "sync.remove",
            Some(user.as_str()),
            detail.clone(),
        )
        .await?;
    Ok(json!({"slack_user_id": user, "removed": detail}))
}

/// `DELETE /api/v1/spaces/{space}/sync/{slack_user}`.
pub async fn remove(
    State(s): State<Services>,
    caller: Caller,
    Path((space, user)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let (space, team) = managed(&s, &caller, &id(space)?).await?;
    Ok(Json(
        remove_person(&s, &caller, &space, &team, &id(user)?).await?,
    ))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    /// `next_cursor` of the previous page.
    before: Option<String>,
    limit: Option<u32>,
}

/// `GET /api/v1/spaces/{space}/audit?before=&limit=`.
pub async fn audit(
    State(s): State<Services>,
    caller: Caller,
    Path(space): Path<String>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    let (space, _) = caller.authorize(&s, &id(space)?, Need::Manager).await?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::BadRequest(
            "limit must be between 1 and 200".into(),
        ));
    }
    let before = match q.before.as_deref() {
        None | Some("") => None,
        Some(c) => {
            let bad = || ApiError::BadRequest("before is not one this API gave out".into());
            let (at, entry) = c.split_once('.').ok_or_else(bad)?;
            let at: i64 = at.parse().map_err(|_| bad())?;
            if entry.is_empty() || !entry.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(bad());
            }
            Some((at, entry.to_owned()))
        }
    };
    let entries = s
        .audit()
        .list(
            &space.id,
            before.as_ref().map(|(a, e)| (*a, e.as_str())),
            limit,
        )
        .await?;
    let next = (entries.len() as u32 == limit)
        .then(|| entries.last().map(|e| format!("{}.{}", e.at, e.id)))
        .flatten();
    Ok(Json(json!({"entries": entries, "next_cursor": next})))
}
