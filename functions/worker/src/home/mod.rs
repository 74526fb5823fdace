//! The App Home tab, drawn afresh each time someone opens it
//! (`app_home_opened` comes on every open): a linked person sees their
//! spaces of this workspace, their home room, where the people they starred
//! are, and every room with who is in it; anyone else sees how to link.

use std::collections::HashMap;

use hallway::ids::{TeamId, UserId};
mod view;

use hallway::slack::oauth::LOGIN_PATH;
use serde_json::Value;
use view::{self as home, HomeRoom, HomeSpace, Starred};

use crate::unfurl::names_with;
use crate::{JobError, Worker, paced, slack_failure, token_if_installed};

pub async fn opened(
    w: &Worker,
    team: &TeamId,
    user: &UserId,
    tab: Option<&str>,
) -> Result<(), JobError> {
    // The Messages tab is a DM; nothing to draw.
    if tab == Some("messages") {
        return Ok(());
    }
    let s = &w.services;
    let Some(token) = token_if_installed(w, team).await? else {
        return Ok(());
    };
    let view = view_for(w, team, user).await?;
    paced(w, team, "views.publish")?;
    match s.slack.publish_home(&token, user.as_str(), &view).await {
        Ok(()) => {
            tracing::info!(user_id = %user, blocks = view["blocks"].as_array().map_or(0, Vec::len), "Home tab published");
            Ok(())
        }
        Err(e) => {
            let refusal = slack_failure(w, team, "views.publish", e).await?;
            tracing::warn!(error = %refusal, user_id = %user, "Home tab refused");
            Ok(())
        }
    }
}

async fn view_for(w: &Worker, team: &TeamId, user: &UserId) -> Result<Value, JobError> {
    let s = &w.services;
    // app_home_opened carries no locale (events/app_home_opened).
    let l = crate::reader_locale(w, team, user).await;
    let spaces = s.spaces();
    let team_spaces: Vec<_> = spaces
        .for_team(team)
        .await
        .map_err(JobError::retry)?
        .into_iter()
        .filter(|t| t.connected)
        .collect();
    let Some(me) = s
        .links()
        .office_user_for(team, user)
        .await
        .map_err(JobError::retry)?
    else {
        let link = format!("{}?team={team}", s.config.endpoint(LOGIN_PATH));
        let names: Vec<String> = team_spaces.iter().map(|t| t.space_name.clone()).collect();
        return Ok(home::link_prompt_view(&link, &names, l));
    };
    let members = s.members();
    let mut known = HashMap::new();
    let mut out = Vec::new();
    for (i, ts) in team_spaces.iter().enumerate() {
        let Some(member) = members
            .get(&ts.space_id, &me)
            .await
            .map_err(JobError::retry)?
        else {
            continue;
        };
        let rooms = spaces.rooms(&ts.space_id).await.map_err(JobError::retry)?;
        let mut home_rooms = Vec::with_capacity(rooms.len());
        for r in &rooms {
            home_rooms.push(HomeRoom {
                name: r.name.clone(),
                capacity: r.capacity,
                occupants: names_with(w, &r.occupants, &mut known).await?,
                join_url: s.member_join_url(&ts.space_id, &r.id, None),
                home: member.home_room.as_ref() == Some(&r.id),
            });
        }
        let starred_names = names_with(w, &member.starred, &mut known).await?;
        let starred = member
            .starred
            .iter()
            .zip(starred_names)
            .map(|(u, name)| Starred {
                name,
                room: rooms
                    .iter()
                    .find(|r| r.occupants.contains(u))
                    .map(|r| r.name.clone()),
            })
            .collect();
        out.push(HomeSpace {
            name: ts.space_name.clone(),
            default: i == 0,
            office_url: format!(
                "{}/spaces/{}",
                s.config.app_url.as_str().trim_end_matches('/'),
                ts.space_id
            ),
            rooms: home_rooms,
            starred,
        });
    }
    // Slack shows the time in the reader's own time zone.
    let now = s.clock.now_secs();
    Ok(home::home_view(&out, now, l))
}
