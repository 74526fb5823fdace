//! The people pane: the Slack workspace's people for a space, from the
//! directory (never a live `users.list`), searchable, paged, each with their
//! link to the office, where they are now, and their sync status; and
//! "open chat", which opens the DM between the caller and one of them with
//! the caller's own Slack token.

use std::collections::HashMap;
use std::future::Future;

use axum::Json;
use axum::extract::State;
use hallway::ids::{ChannelId, OfficeUserId, SpaceId, TeamId, UserId};
use hallway::secrets::Secret;
use hallway::services::Services;
use hallway::slack::SlackError;
use hallway::store::chat::ConversationKind;
use hallway::store::directory::RunStatus;
use hallway::store::{Conversation, Person, Room, Space};
use hallway::web::ApiError;

use crate::caller::{Caller, Need};
use crate::extract::{ValidPath, ValidQuery};
use crate::model;
use crate::{connected_team, id, spaces_error};

/// Default and largest page.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 200;
/// Records a search reads per request before handing back a cursor.
const MAX_SCAN: usize = 2_000;

/// What the pane shows of one person.
async fn person_json(
    s: &Services,
    team: &TeamId,
    p: &Person,
    rooms: &[Room],
    names: &mut HashMap<OfficeUserId, String>,
) -> Result<model::Person, ApiError> {
    let office_user = s.links().office_user_for(team, &p.id).await?;
    let room = office_user
        .as_ref()
        .and_then(|u| rooms.iter().find(|r| r.occupants.contains(u)));
    let sync = match &office_user {
        Some(_) => model::SyncStatus::On,
        None => s.sync().get(team, &p.id).await?.map(|st| st.status).into(),
    };
    let office_name = match &office_user {
        Some(u) if !names.contains_key(u) => {
            let name = s.users().get(u).await?.map(|x| x.name).unwrap_or_default();
            names.insert(u.clone(), name.clone());
            Some(name)
        }
        Some(u) => names.get(u).cloned(),
        None => None,
    };
    Ok(model::Person {
        slack_user_id: p.id.clone(),
        name: p.label().to_owned(),
        handle: p.name.clone(),
        real_name: p.real_name.clone(),
        avatar: p.avatar.clone(),
        email: p.email.clone(),
        tz: p.tz.clone(),
        linked: office_user.is_some(),
        office_user_id: office_user,
        office_name,
        room: room.map(model::RoomRef::from),
        sync,
    })
}

/// The Slack workspace's people, searchable and paged, each with their
/// link to the office, the room they are in and their sync status
/// (members and up). Served from the directory, never a live
/// `users.list`.
#[utoipa::path(get, path = "/api/v1/spaces/{space}/people", tag = "people",
    params(("space" = String, Path, description = "The space's id"), model::PeopleQuery),
    responses(
        (status = 200, description = "A page of people", body = model::PeoplePage),
        (status = 400, description = "A bad limit or cursor", body = model::ErrorBody),
        (status = 409, description = "The space is not connected to Slack", body = model::ErrorBody),
    ))]
pub async fn list(
    State(s): State<Services>,
    caller: Caller,
    ValidPath(space): ValidPath<SpaceId>,
    ValidQuery(q): ValidQuery<model::PeopleQuery>,
) -> Result<Json<model::PeoplePage>, ApiError> {
    let (space, _) = caller.authorize(&s, &space, Need::Member).await?;
    let team = connected_team(&space)?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let after = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            UserId::new(c)
                .map_err(|_| ApiError::BadRequest("cursor is not one this API gave out".into()))?,
        ),
    };
    let directory = s.directory();
    let page = directory
        .page(&team, after.as_ref(), limit, MAX_SCAN, |p| {
            p.is_person() && p.matches(&q.q)
        })
        .await?;
    let rooms = s.spaces().rooms(&space.id).await.map_err(spaces_error)?;
    let mut names = HashMap::new();
    let mut people = Vec::with_capacity(page.people.len());
    for p in &page.people {
        people.push(person_json(&s, &team, p, &rooms, &mut names).await?);
    }
    let run = directory.run(&team).await?;
    let directory_state = match &run {
        None => model::PaneDirectory::Never {
            status: model::Never::NeverRefreshed,
            hint: format!(
                "the directory is empty until a refresh: POST /api/v1/spaces/{}/directory/refresh",
                space.id
            ),
        },
        Some(r) => model::PaneDirectory::Refreshed {
            status: r.status.into(),
            finished_at: r.finished_at,
        },
    };
    Ok(Json(model::PeoplePage {
        people,
        // A search that read its budget without filling the page says so:
        // the caller asks again from `next_cursor`.
        partial: page.next.is_some() && page.people.len() < limit,
        next_cursor: page.next,
        scanned: page.scanned,
        directory: directory_state,
        refreshing: run.as_ref().is_some_and(|r| r.status == RunStatus::Running),
    }))
}

/// `POST /api/v1/spaces/{space}/people/{slack_user}/chat`: the DM between
/// the caller and that person, opened with the caller's Slack token.
#[utoipa::path(post, path = "/api/v1/spaces/{space}/people/{slack_user}/chat", tag = "people",
    params(
        ("space" = String, Path, description = "The space's id"),
        ("slack_user" = String, Path, description = "The Slack user id of one of the workspace's people"),
    ),
    responses(
        (status = 200, description = "The DM", body = model::ChatOpened),
        (status = 409, description = "The caller must link Slack (again) first, or Slack refused", body = model::ErrorBody),
    ))]
pub async fn open_chat(
    State(s): State<Services>,
    caller: Caller,
    ValidPath((space, them)): ValidPath<(SpaceId, UserId)>,
) -> Result<Json<model::ChatOpened>, ApiError> {
    let chat = ChatWith::open(&s, &caller, &space, them).await?;
    Ok(Json(model::ChatOpened {
        channel_id: chat.channel,
        with: model::ChatPartner {
            slack_user_id: chat.person.id.clone(),
            name: chat.person.label().to_owned(),
            avatar: chat.person.avatar,
        },
    }))
}

/// The caller's DM with one of the workspace's people, ready to use.
pub(crate) struct ChatWith {
    pub space: Space,
    pub team: TeamId,
    /// The caller in the office and in Slack, and their token.
    pub office_user: OfficeUserId,
    pub me: UserId,
    pub token: Secret,
    pub person: Person,
    pub channel: ChannelId,
}

impl ChatWith {
    /// Finds (or opens, with `conversations.open` on the caller's token)
    /// the DM; every refusal is worded for the caller.
    pub(crate) async fn open(
        s: &Services,
        caller: &Caller,
        space: &SpaceId,
        them: UserId,
    ) -> Result<Self, ApiError> {
        let (space, _) = caller.authorize(s, space, Need::Member).await?;
        let team = connected_team(&space)?;
        let person = s
            .directory()
            .get(&team, &them)
            .await?
            .filter(Person::is_person)
            .ok_or_else(|| ApiError::NotFound(format!("no person {them} in this workspace")))?;
        let (me, mut token) = user_token(s, &space, &team, caller.user()).await?;
        if me == them {
            return Err(ApiError::BadRequest("that is you".into()));
        }
        let channel = match s
            .chat()
            .conversation_with(caller.user(), &team, &them)
            .await?
        {
            Some(known) => known,
            None => open_dm(s, caller, &space, &team, &me, &mut token, &them).await?,
        };
        Ok(Self {
            space,
            team,
            office_user: caller.user().clone(),
            me,
            token,
            person,
            channel,
        })
    }

    /// Runs a Slack call with the caller's token (see [`with_refresh`]).
    pub(crate) async fn slack<T, F, Fut>(&mut self, s: &Services, call: F) -> Result<T, SlackError>
    where
        F: Fn(Secret) -> Fut,
        Fut: Future<Output = Result<T, SlackError>>,
    {
        with_refresh(s, &self.office_user, &self.team, &mut self.token, call).await
    }

    /// A Slack error on the caller's token, worded for them.
    pub(crate) async fn refusal(&self, s: &Services, e: SlackError) -> ApiError {
        slack_refusal(s, &self.space, &self.team, &self.me, &self.token, e).await
    }
}

/// Runs `call` with a person's user token. When Slack says the token
/// expired (token rotation), the token is refreshed and the call runs once
/// more with the new one, which replaces `token`.
pub(crate) async fn with_refresh<T, F, Fut>(
    s: &Services,
    user: &OfficeUserId,
    team: &TeamId,
    token: &mut Secret,
    call: F,
) -> Result<T, SlackError>
where
    F: Fn(Secret) -> Fut,
    Fut: Future<Output = Result<T, SlackError>>,
{
    match call(token.clone()).await {
        Err(expired @ SlackError::TokenExpired { .. }) => {
            match s.refresh_expired_user_token(user, team).await {
                Ok(Some(fresh)) => {
                    *token = fresh.clone();
                    call(fresh).await
                }
                Ok(None) => Err(expired),
                Err(e) => {
                    tracing::warn!(error = %e, "an expired user token could not be refreshed");
                    Err(expired)
                }
            }
        }
        other => other,
    }
}

/// Opens the DM on Slack with the caller's token and remembers it.
async fn open_dm(
    s: &Services,
    caller: &Caller,
    space: &Space,
    team: &TeamId,
    me: &UserId,
    token: &mut Secret,
    them: &UserId,
) -> Result<ChannelId, ApiError> {
    let opened = with_refresh(s, caller.user(), team, token, |t| async move {
        s.slack.open_dm(&t, them.as_str()).await
    })
    .await;
    let channel = match opened {
        Ok(c) => c,
        Err(e) => return Err(slack_refusal(s, space, team, me, token, e).await),
    };
    let channel: ChannelId = id(channel)?;
    let chat = s.chat();
    if chat.conversation(team, &channel).await?.is_none() {
        let theirs = s.links().office_user_for(team, them).await?;
        let c = Conversation::new(
            team,
            &channel,
            ConversationKind::People,
            vec![me.clone(), them.clone()],
            std::iter::once(caller.user().clone())
                .chain(theirs)
                .collect(),
        );
        chat.remember_conversation(&c).await?;
    }
    chat.link_conversation(caller.user(), team, them, &channel)
        .await?;
    Ok(channel)
}

/// The caller's Slack identity in the team and their user token, or a 409
/// saying how to get one.
pub(crate) async fn user_token(
    s: &Services,
    space: &Space,
    team: &TeamId,
    user: &OfficeUserId,
) -> Result<(UserId, hallway::secrets::Secret), ApiError> {
    let links = s.links();
    let link_first = || {
        ApiError::Conflict(format!(
            "link your Slack account to chat from the office: POST /api/v1/spaces/{}/slack/link",
            space.id
        ))
    };
    let link = links.get(user, team).await?.ok_or_else(link_first)?;
    let token = match s.user_token(user, team).await {
        Ok(Some(t)) => t,
        Ok(None) => return Err(link_first()),
        Err(e) => return Err(ApiError::Unavailable(e.into())),
    };
    Ok((link.slack_user_id, token))
}

/// A Slack error on the caller's own token, worded for them. A token
/// Slack refuses is checked with `auth.test`; one confirmed dead is
/// forgotten, as `tokens_revoked` would.
pub(crate) async fn slack_refusal(
    s: &Services,
    space: &Space,
    team: &TeamId,
    me: &UserId,
    token: &Secret,
    e: SlackError,
) -> ApiError {
    let relink = |why: &str| {
        ApiError::Conflict(format!(
            "{why}: link your Slack account again (POST /api/v1/spaces/{}/slack/link)",
            space.id
        ))
    };
    match e {
        SlackError::MissingScope { needed, .. } => {
            relink(&format!("your Slack link does not allow {needed}"))
        }
        SlackError::TokenExpired { .. } => {
            relink("your Slack link expired and could not be renewed")
        }
        e if e.token_may_be_dead() => match hallway::tokens::confirm_dead(&s.slack, token).await {
            Ok(true) => {
                if let Err(err) = s.links().revoke_user_token(team, me).await {
                    tracing::warn!(error = %err, "could not forget a dead user token");
                }
                relink("Slack no longer accepts your link")
            }
            Ok(false) => ApiError::Unavailable(anyhow::anyhow!(
                "{e}, though auth.test accepts the token; try again"
            )),
            Err(check) => ApiError::Unavailable(check.into()),
        },
        e @ SlackError::NotAuthed { .. } => ApiError::Internal(e.into()),
        e if e.is_transient() => ApiError::Unavailable(e.into()),
        e => ApiError::Conflict(format!("Slack refused: {e}")),
    }
}
