//! OAuth `state` values as they travel through Slack: `<id>.<signature>`.
//!
//! The id names a stored, single-use, 10-minute record (see
//! [`crate::store::oauth_state`]) bound to the flow that started it; the
//! signature (HMAC under the OAuth-state subkey) lets a forged value be
//! refused without a table lookup and tells "forged" from "expired".

use crate::auth::keys::{self, Purpose};
use crate::secrets::Secret;
use crate::store::oauth_state::{ConsumeError, OAuthStates, StateData};
use crate::table::TableError;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("the sign-in came back without its state")]
    Missing,
    #[error("the sign-in's state was not issued by hallway")]
    Forged,
    #[error("this sign-in link was already used")]
    Used,
    #[error("this sign-in link has expired")]
    Expired,
    #[error(transparent)]
    Table(#[from] TableError),
}

fn split(value: &str) -> Option<(&str, &str)> {
    value.split_once('.')
}

/// Records a state for a flow and returns the value to send to Slack.
pub async fn issue(
    states: &OAuthStates,
    secret: &Secret,
    data: StateData,
) -> Result<String, TableError> {
    let id = states.issue(data).await?;
    let sig = keys::sign(secret, Purpose::OAuthState, &id);
    Ok(format!("{id}.{sig}"))
}

fn check(secret: &Secret, value: Option<&str>) -> Result<String, StateError> {
    let value = value.filter(|v| !v.is_empty()).ok_or(StateError::Missing)?;
    let (id, sig) = split(value).ok_or(StateError::Forged)?;
    if !keys::verify(secret, Purpose::OAuthState, id, sig) {
        return Err(StateError::Forged);
    }
    Ok(id.to_owned())
}

/// The flow's data, if the state is genuine, live and unused; nothing used up.
pub async fn peek(
    states: &OAuthStates,
    secret: &Secret,
    value: Option<&str>,
) -> Result<StateData, StateError> {
    let id = check(secret, value)?;
    states.peek(&id).await?.ok_or(StateError::Expired)
}

/// Uses the state up and returns its flow's data.
pub async fn consume(
    states: &OAuthStates,
    secret: &Secret,
    value: Option<&str>,
) -> Result<StateData, StateError> {
    let id = check(secret, value)?;
    states.consume(&id).await.map_err(|e| match e {
        ConsumeError::AlreadyUsed => StateError::Used,
        // A genuine signature on an unknown id means it expired and was
        // swept (or its TTL passed).
        ConsumeError::UnknownOrExpired => StateError::Expired,
        ConsumeError::Table(e) => StateError::Table(e),
    })
}
