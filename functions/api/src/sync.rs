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
use axum::extract::State;
use hallway::ids::{OfficeUserId, SpaceId, TeamId, UserId};
use hallway::jobs::{self, Job, PromptJob};
use hallway::services::Services;
use hallway::store::sync::{PROMPT_INTERVAL_SECS, SyncState};
use hallway::store::{LinkedVia, Person, Role, Space};
use hallway::web::ApiError;
use http::StatusCode;
use serde_json::{Value, json};

use crate::caller::{Caller, Need};
use crate::connected_team;
use crate::errors::PromptError;
use crate::extract::{ValidPath, ValidQuery};
use crate::model::{self, LinkType, Platform, SyncPerson, SyncStatus};

/// The user scopes channel chat needs of a person's link (listing their
/// channels and reading them; writing is `chat:write`, as for DMs).
const CHANNEL_CHAT_SCOPES: &[&str] = &[
    "channels:read",
    "channels:history",
    "groups:read",
    "groups:history",
];

/// The list's filters (the admin page builds them from its form too).
pub use crate::model::SyncFilters as Filters;

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

    fn keeps(&self, r: &SyncPerson) -> bool {
        let is = |f: &Option<String>, v: &str| f.as_deref().is_none_or(|x| x == v);
        is(&self.platform, r.platform.as_str())
            && is(&self.status, r.status.as_str())
            && is(&self.kind, r.kind.as_str())
    }
}

fn status_of(state: Option<&SyncState>) -> SyncStatus {
    state.map(|s| s.status).into()
}

/// Everyone people sync knows of in the space: the workspace's people
/// (bots and the deactivated left out) and the space's members.
pub async fn rows(s: &Services, space: &Space, team: &TeamId) -> Result<Vec<SyncPerson>, ApiError> {
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
        let mut row = SyncPerson {
            slack_user_id: Some(p.id.clone()),
            office_user_id: None,
            name: p.label().to_owned(),
            platform: Platform::Slack,
            status: status_of(state),
            kind: LinkType::None,
            role: None,
            prompted_at: state.and_then(|s| s.prompted_at),
            prompts: state.map_or(0, |s| s.prompts),
            reason: state.and_then(|s| s.reason.clone()),
        };
        if let Some(ou) = linked.get(&p.id) {
            let link = links.get(ou, team).await?;
            row.status = SyncStatus::On;
            row.reason = None;
            row.kind = match &link {
                Some(l) if l.has_user_token() => LinkType::Chat,
                _ => LinkType::Identity,
            };
            // Chat means DMs and channels; a link granted before channel
            // chat lacks its scopes until the person links again.
            if let Some(l) = link.as_ref().filter(|l| l.has_user_token())
                && let Some(missing) = CHANNEL_CHAT_SCOPES
                    .iter()
                    .find(|sc| !l.user_scopes.iter().any(|have| have == *sc))
            {
                row.reason = Some(format!(
                    "chats in DMs only: their link lacks {missing}; reprompt them to chat in channels too"
                ));
            }
            // Office accounts made by Sign in with Slack belong to people
            // who work in Slack; a link made from the office, to people
            // who work in the office.
            row.platform = match link.map(|l| l.via) {
                Some(LinkedVia::Authorize) => Platform::Office,
                _ => Platform::Slack,
            };
            row.role = members.get(ou).map(|r| (*r).into());
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
        out.push(SyncPerson {
            slack_user_id: None,
            office_user_id: Some(ou.clone()),
            name,
            platform: Platform::Office,
            status: SyncStatus::Off,
            kind: LinkType::None,
            role: Some((*role).into()),
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
pub async fn sync_list(
    s: &Services,
    space: &Space,
    team: &TeamId,
    f: &Filters,
) -> Result<model::SyncList, ApiError> {
    f.validate()?;
    let all = rows(s, space, team).await?;
    let count = |status: SyncStatus| all.iter().filter(|r| r.status == status).count();
    let counts = model::SyncCounts {
        on: count(SyncStatus::On),
        pending: count(SyncStatus::Pending),
        off: count(SyncStatus::Off),
        failed: count(SyncStatus::Failed),
        total: all.len(),
        shown: 0,
    };
    let shown: Vec<SyncPerson> = all.into_iter().filter(|r| f.keeps(r)).collect();
    Ok(model::SyncList {
        counts: model::SyncCounts {
            shown: shown.len(),
            ..counts
        },
        people: shown,
        auto_prompt: space.auto_prompt,
    })
}

/// A record's detail as JSON, for the audit log.
fn as_json<T: serde::Serialize>(v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.into()))
}

/// Everyone people sync knows of in the space (admins, moderators),
/// filtered, with counts over everyone.
#[utoipa::path(get, path = "/api/v1/spaces/{space}/sync", tag = "sync",
    params(("space" = String, Path, description = "The space's id"), model::SyncFilters),
    responses(
        (status = 200, description = "The people", body = model::SyncList),
        (status = 400, description = "A filter with a value it does not take", body = model::ErrorBody),
        (status = 409, description = "The space is not connected to Slack", body = model::ErrorBody),
    ))]
pub async fn list(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
    ValidQuery(f): ValidQuery<Filters>,
) -> Result<Json<model::SyncList>, ApiError> {
    f.validate()?;
    let (space, team) = managed(&s, &caller, &space).await?;
    Ok(Json(sync_list(&s, &space, &team, &f).await?))
}

/// The Slack person an action is about: one of the workspace's people.
async fn person(s: &Services, team: &TeamId, user: &UserId) -> Result<Person, PromptError> {
    s.directory()
        .get(team, user)
        .await?
        .filter(Person::is_person)
        .ok_or_else(|| PromptError::NoSuchPerson(user.clone()))
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
pub async fn prompt_one_person(
    s: &Services,
    caller: &Caller,
    space: &Space,
    team: &TeamId,
    user: &UserId,
    force: bool,
) -> Result<model::Prompted, PromptError> {
    let p = person(s, team, user).await?;
    if s.links().office_user_for(team, &p.id).await?.is_some() {
        return Err(PromptError::AlreadyLinked {
            name: p.label().to_owned(),
        });
    }
    let state = s.sync().get(team, &p.id).await?;
    if !force
        && let Some(at) = prompted_recently(state.and_then(|st| st.prompted_at), s.clock.now_secs())
    {
        return Err(PromptError::PromptedRecently {
            name: p.label().to_owned(),
            at,
        });
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
    Ok(model::Prompted {
        queued: 1,
        name: p.label().to_owned(),
        slack_user_id: p.id,
    })
}

async fn prompt(
    s: Services,
    caller: Caller,
    space: SpaceId,
    user: UserId,
    force: bool,
) -> Result<(StatusCode, Json<model::Prompted>), PromptError> {
    let (space, team) = managed(&s, &caller, &space).await?;
    let done = prompt_one_person(&s, &caller, &space, &team, &user, force).await?;
    Ok((StatusCode::ACCEPTED, Json(done)))
}

/// Prompts one person to link, at most once a day per person (admins,
/// moderators).
#[utoipa::path(post, path = "/api/v1/spaces/{space}/sync/{slack_user}/prompt", tag = "sync",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("slack_user" = String, Path, description = "The person's Slack user id"),
    ),
    responses(
        (status = 202, description = "Queued", body = model::Prompted),
        (status = 409, description = "Linked already, or prompted within the day", body = model::ErrorBody),
    ))]
pub async fn prompt_one(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, user)): ValidPath<(SpaceId, UserId)>,
) -> Result<(StatusCode, Json<model::Prompted>), PromptError> {
    prompt(s, caller, space, user, false).await
}

/// Prompts one person now, whenever the last prompt was (admins,
/// moderators).
#[utoipa::path(post, path = "/api/v1/spaces/{space}/sync/{slack_user}/reprompt", tag = "sync",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("slack_user" = String, Path, description = "The person's Slack user id"),
    ),
    responses(
        (status = 202, description = "Queued", body = model::Prompted),
        (status = 409, description = "Linked already", body = model::ErrorBody),
    ))]
pub async fn reprompt(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, user)): ValidPath<(SpaceId, UserId)>,
) -> Result<(StatusCode, Json<model::Prompted>), PromptError> {
    prompt(s, caller, space, user, true).await
}

/// Prompts everyone of the workspace not linked and not prompted within
/// the day (admins, moderators).
#[utoipa::path(post, path = "/api/v1/spaces/{space}/sync/prompt-all", tag = "sync",
    params(("space" = String, Path, description = "The space's id")),
    responses((status = 202, description = "Queued, with counts", body = model::PromptedAll)))]
pub async fn prompt_all(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
) -> Result<(StatusCode, Json<model::PromptedAll>), ApiError> {
    let (space, team) = managed(&s, &caller, &space).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(prompt_all_people(&s, &caller, &space, &team).await?),
    ))
}

/// Queues a prompt for everyone not linked and not prompted within the day.
pub async fn prompt_all_people(
    s: &Services,
    caller: &Caller,
    space: &Space,
    team: &TeamId,
) -> Result<model::PromptedAll, ApiError> {
    // The rows carry each person's last prompt: no second read of the states.
    let all = rows(s, space, team).await?;
    let now = s.clock.now_secs();
    let (mut users, mut linked, mut recent) = (Vec::new(), 0, 0);
    for r in all.iter() {
        let Some(id) = &r.slack_user_id else {
            continue;
        };
        if r.status == SyncStatus::On {
            linked += 1;
        } else if prompted_recently(r.prompted_at, now).is_some() {
            recent += 1;
        } else {
            users.push(id.clone());
        }
    }
    let queued = users.len();
    queue_prompts(s, team, users, false).await?;
    let counts = model::PromptedAll {
        queued,
        already_linked: linked,
        prompted_within_a_day: recent,
    };
    s.audit()
        .record(
            &space.id,
            caller.user(),
            "sync.prompt_all",
            None,
            as_json(&counts)?,
        )
        .await?;
    Ok(counts)
}

/// Breaks a person's link (tokens with it); they are back to `off`.
pub async fn reset_one_person(
    s: &Services,
    caller: &Caller,
    space: &Space,
    team: &TeamId,
    user: &UserId,
) -> Result<model::ResetDone, ApiError> {
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
    Ok(model::ResetDone {
        slack_user_id: user.clone(),
        status: SyncStatus::Off,
        unlinked,
    })
}

/// Breaks a person's link, tokens with it (admins, moderators).
#[utoipa::path(post, path = "/api/v1/spaces/{space}/sync/{slack_user}/reset", tag = "sync",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("slack_user" = String, Path, description = "The person's Slack user id"),
    ),
    responses((status = 200, description = "Reset", body = model::ResetDone)))]
pub async fn reset(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, user)): ValidPath<(SpaceId, UserId)>,
) -> Result<Json<model::ResetDone>, ApiError> {
    let (space, team) = managed(&s, &caller, &space).await?;
    Ok(Json(
        reset_one_person(&s, &caller, &space, &team, &user).await?,
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
pub async fn remove_one_person(
    s: &Services,
    caller: &Caller,
    space: &Space,
    team: &TeamId,
    user: &UserId,
) -> Result<model::Removed, ApiError> {
    let unlinked = unlink(s, team, user).await?;
    s.sync().clear(team, user).await?;
    let (conversations, messages) = s.chat().forget_person(team, user).await?;
    let channel_records = s.channels().forget_person(team, user).await?;
    let detail = model::RemovedDetail {
        office_user_id: unlinked,
        conversations,
        messages,
        channel_records,
    };
    s.audit()
        .record(
            &space.id,
            caller.user(),
            "sync.remove",
            Some(user.as_str()),
            as_json(&detail)?,
        )
        .await?;
    Ok(model::Removed {
        slack_user_id: user.clone(),
        removed: detail,
    })
}

/// Forgets a person (admins, moderators): link, tokens, sync state,
/// bridged conversations, welcomes and the bot's DM channel. The
/// workspace directory and the audit log keep their entry.
#[utoipa::path(delete, path = "/api/v1/spaces/{space}/sync/{slack_user}", tag = "sync",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("slack_user" = String, Path, description = "The person's Slack user id"),
    ),
    responses((status = 200, description = "Removed, with what went", body = model::Removed)))]
pub async fn remove(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, user)): ValidPath<(SpaceId, UserId)>,
) -> Result<Json<model::Removed>, ApiError> {
    let (space, team) = managed(&s, &caller, &space).await?;
    Ok(Json(
        remove_one_person(&s, &caller, &space, &team, &user).await?,
    ))
}

/// The space's audit log, newest first (admins, moderators).
#[utoipa::path(get, path = "/api/v1/spaces/{space}/audit", tag = "sync",
    params(("space" = String, Path, description = "The space's id"), model::AuditQuery),
    responses(
        (status = 200, description = "A page of the log", body = model::AuditPage),
        (status = 400, description = "A bad limit or cursor", body = model::ErrorBody),
    ))]
pub async fn audit(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
    ValidQuery(q): ValidQuery<model::AuditQuery>,
) -> Result<Json<model::AuditPage>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Manager).await?;
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
    Ok(Json(model::AuditPage {
        entries: entries.into_iter().map(model::AuditEntry::from).collect(),
        next_cursor: next,
    }))
}
