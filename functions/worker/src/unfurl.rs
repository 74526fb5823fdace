//! Unfurls: a link to one of our rooms, shared in Slack, gets a preview
//! with the room, its space, who is in it now and a Join button.
//!
//! Two kinds of link are ours: join links (`{base}/join/<token>`, signed;
//! the token names the room) and the office's room pages
//! (`{app}/spaces/<space>/rooms/<room>`). A room is only described in the
//! workspace its space is connected to: a link carried into another
//! workspace unfurls to nothing, so presence never leaks across teams.

use std::collections::HashMap;

use hallway::auth::join::JoinError;
use hallway::i18n::Locale;
use hallway::ids::{OfficeUserId, RoomId, SpaceId, TeamId};
use hallway::slack::events::LinkShared;
use hallway::slack::messages;
use hallway::slack::oauth::JOIN_PATH;
use serde_json::{Map, Value, json};
use url::Url;

use crate::{JobError, Worker, paced, slack_failure, token_if_installed};

/// Slack sends at most a handful of links per message; more are ignored.
const MAX_LINKS: usize = 10;

/// What a shared URL points at.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Room {
        space: SpaceId,
        room: RoomId,
    },
    /// A join link that expired: said so, rather than left bare.
    Expired,
}

/// Reads a URL as one of ours, or `None`.
fn target(w: &Worker, url: &str) -> Option<Target> {
    let url = Url::parse(url).ok()?;
    let config = &w.services.config;
    let under = |base: &Url| -> Option<Vec<String>> {
        if url.origin() != base.origin() {
            return None;
        }
        let prefix = base.path().trim_end_matches('/');
        let rest = url.path().strip_prefix(prefix)?;
        Some(
            rest.split('/')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    };
    if let Some(parts) = under(&config.base_url)
        && let [join, token] = parts.as_slice()
        && format!("/{join}") == JOIN_PATH
    {
        return match w.services.join_links.verify(token) {
            Ok(claims) => Some(Target::Room {
                space: claims.space,
                room: claims.room,
            }),
            Err(JoinError::Expired) => Some(Target::Expired),
            Err(JoinError::Invalid) => None,
        };
    }
    if let Some(parts) = under(&config.app_url)
        && let [spaces, space, rooms, room] = parts.as_slice()
        && spaces == "spaces"
        && rooms == "rooms"
    {
        return Some(Target::Room {
            space: SpaceId::new(space.as_str()).ok()?,
            room: RoomId::new(room.as_str()).ok()?,
        });
    }
    None
}

/// The preview of one link, or `None` to leave it alone.
async fn preview(
    w: &Worker,
    team: &TeamId,
    url: &str,
    target: Target,
    l: Locale,
) -> Result<Option<Value>, JobError> {
    let (space, room) = match target {
        Target::Expired => {
            return Ok(Some(messages::expired_link_unfurl(
                &w.services.config.command,
                l,
            )));
        }
        Target::Room { space, room } => (space, room),
    };
    let spaces = w.services.spaces();
    let Some(space) = spaces.get(&space).await.map_err(JobError::retry)? else {
        return Ok(None);
    };
    if space.team_id.as_ref() != Some(team) {
        tracing::info!(space_id = %space.id, "a room of another team's space; not unfurled");
        return Ok(None);
    }
    let Some(room) = spaces
        .room(&space.id, &room)
        .await
        .map_err(JobError::retry)?
    else {
        return Ok(None);
    };
    let names = names(w, &room.occupants).await?;
    Ok(Some(messages::room_unfurl(
        &room.name,
        &space.name,
        &names,
        room.capacity,
        url,
        l,
    )))
}

/// Office users' display names, in the order given.
pub async fn names(w: &Worker, users: &[OfficeUserId]) -> Result<Vec<String>, JobError> {
    names_with(w, users, &mut HashMap::new()).await
}

/// [`names`], looking each person up once across calls sharing `known`.
pub async fn names_with(
    w: &Worker,
    users: &[OfficeUserId],
    known: &mut HashMap<OfficeUserId, String>,
) -> Result<Vec<String>, JobError> {
    let directory = w.services.users();
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        if let Some(name) = known.get(u) {
            out.push(name.clone());
            continue;
        }
        let name = directory
            .get(u)
            .await
            .map_err(JobError::retry)?
            .map(|p| p.name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| u.to_string());
        known.insert(u.clone(), name.clone());
        out.push(name);
    }
    Ok(out)
}

pub async fn link_shared(w: &Worker, team: &TeamId, ev: &LinkShared) -> Result<(), JobError> {
    // An unfurl is seen by the whole conversation; Slack offers the
    // sharer's locale for it (events/link_shared).
    let l = ev
        .user_locale
        .as_deref()
        .map(Locale::from_tag)
        .unwrap_or_default();
    let mut unfurls = Map::new();
    for link in ev.links.iter().take(MAX_LINKS) {
        if unfurls.contains_key(&link.url) {
            continue;
        }
        let Some(t) = target(w, &link.url) else {
            continue;
        };
        if let Some(p) = preview(w, team, &link.url, t, l).await? {
            unfurls.insert(link.url.clone(), p);
        }
    }
    if unfurls.is_empty() {
        tracing::info!(links = ev.links.len(), "no link to a room of this team");
        return Ok(());
    }
    let mut call = json!({ "unfurls": Value::Object(unfurls) });
    match (&ev.unfurl_id, &ev.source, &ev.message_ts) {
        (Some(id), Some(source), _) => {
            call["unfurl_id"] = json!(id);
            call["source"] = json!(source);
        }
        (_, _, Some(ts)) if ev.channel != "COMPOSER" => {
            call["channel"] = json!(ev.channel);
            call["ts"] = json!(ts);
        }
        _ => {
            tracing::warn!("link_shared without unfurl_id or a message; nothing to answer");
            return Ok(());
        }
    }
    let s = &w.services;
    let Some(token) = token_if_installed(w, team).await? else {
        tracing::info!("not installed any more; link not unfurled");
        return Ok(());
    };
    paced(w, team, "chat.unfurl")?;
    match s
        .slack
        .call_json::<Value>("chat.unfurl", &token, &call)
        .await
    {
        Ok(_) => {
            tracing::info!(
                rooms = call["unfurls"].as_object().map_or(0, Map::len),
                "unfurled"
            );
            Ok(())
        }
        Err(e) => {
            // Refusals (a missing `links:write` on an old install, a message
            // gone) are logged once and dropped: a retry cannot fix them.
            let refusal = slack_failure(w, team, "chat.unfurl", e).await?;
            tracing::warn!(error = %refusal, "chat.unfurl refused");
            Ok(())
        }
    }
}
