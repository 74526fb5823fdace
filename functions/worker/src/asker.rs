//! Telling the person who asked how it went, where they asked: a command's
//! `response_url` (visible only to them, in that conversation), the
//! "Meet in hallway" modal they submitted (`views.update`, while it is
//! open), else their DM with the app (a user id as `chat.postMessage`'s
//! channel, docs.slack.dev/reference/methods/chat.postMessage).

use hallway::i18n::Locale;
use hallway::ids::{TeamId, UserId};
use hallway::slack::SlackError;
use hallway::slack::messages::section;
use hallway::slack::modal;
use serde_json::json;

use crate::{JobError, Worker, token_if_installed};

/// Where the person who asked can be told.
pub struct Asker<'a> {
    pub team: &'a TeamId,
    pub user: Option<&'a UserId>,
    pub response_url: Option<&'a str>,
    pub view_id: Option<&'a str>,
    /// Their language (a modal's close button).
    pub locale: Locale,
}

/// Shows `text` (mrkdwn, escaped by the caller) to the asker. Only a
/// failure worth retrying is an error: a `response_url` expires after 30
/// minutes and five uses, a modal once closed is gone (its text then goes
/// to the DM).
pub async fn tell(
    w: &Worker,
    asker: &Asker<'_>,
    heading: &str,
    text: &str,
) -> Result<(), JobError> {
    let s = &w.services;
    if let Some(url) = asker.response_url {
        let body = json!({
            "response_type": "ephemeral",
            "replace_original": false,
            "text": text,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        });
        return settle(s.slack.respond(url, &body).await, "response_url");
    }
    let Some(token) = token_if_installed(w, asker.team).await? else {
        tracing::info!("not installed any more; the asker is not told");
        return Ok(());
    };
    if let Some(view_id) = asker.view_id {
        let view = modal::view(asker.locale, heading, vec![section(text).into()]);
        match s.slack.views_update(&token, view_id, &view).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_transient() => return Err(JobError::from_transient(&e)),
            // `not_found`: closed; anything else, the DM still says it.
            Err(e) => tracing::info!(error = %e, "the modal is gone; telling the asker by DM"),
        }
    }
    let Some(user) = asker.user else {
        return Ok(());
    };
    let message = json!({
        "channel": user,
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    });
    settle(
        s.slack.post_message(&token, &message).await.map(drop),
        "chat.postMessage",
    )
}

fn settle(r: Result<(), SlackError>, via: &'static str) -> Result<(), JobError> {
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.is_transient() => Err(JobError::from_transient(&e)),
        Err(e) => {
            tracing::warn!(error = %e, via, "the asker could not be told");
            Ok(())
        }
    }
}
