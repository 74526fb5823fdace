//! Extractors that check what a request carries before a handler runs, and
//! refuse with [`ApiError`] (status + `{"error": "…"}`) like every other
//! refusal, instead of axum's plain-text rejections.
//!
//! - [`ValidPath`]: path ids, checked like every id (`ValidPath<SpaceId>`,
//!   `ValidPath<(SpaceId, RoomId)>`).
//! - [`ValidJson`]: a JSON body; too large is 413, anything else that does
//!   not parse is 400 with serde's reason.
//! - [`ValidQuery`]: the query string; one that does not parse is 400 with
//!   serde's reason.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use hallway::ids::{
    ChannelId, InvalidId, MessageTs, OfficeUserId, RoomId, SpaceId, TeamId, UserId,
};
use hallway::web::ApiError;
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::MAX_BODY;

/// Path parameters, each checked as the id it is.
#[derive(Debug, Clone)]
pub struct ValidPath<T>(pub T);

/// What a route's path parameters are read as: one id, or a pair.
pub trait PathIds: Sized {
    /// The parameters as the router hands them over.
    type Raw: DeserializeOwned + Send;
    fn check(raw: Self::Raw) -> Result<Self, InvalidId>;
}

macro_rules! path_id {
    ($($t:ty),*) => {$(
        impl PathIds for $t {
            type Raw = String;
            fn check(raw: String) -> Result<Self, InvalidId> {
                <$t>::try_from(raw)
            }
        }
    )*};
}

path_id!(
    SpaceId,
    RoomId,
    OfficeUserId,
    UserId,
    TeamId,
    ChannelId,
    MessageTs
);

/// Invite ids are opaque: any segment, looked up as is.
impl PathIds for String {
    type Raw = String;
    fn check(raw: String) -> Result<Self, InvalidId> {
        Ok(raw)
    }
}

impl<A, B> PathIds for (A, B)
where
    A: PathIds<Raw = String>,
    B: PathIds<Raw = String>,
{
    type Raw = (String, String);
    fn check((a, b): (String, String)) -> Result<Self, InvalidId> {
        Ok((A::check(a)?, B::check(b)?))
    }
}

impl<S, T> FromRequestParts<S> for ValidPath<T>
where
    S: Send + Sync,
    T: PathIds,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<T::Raw>::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                if e.status().is_server_error() {
                    ApiError::Internal(anyhow::anyhow!("path parameters: {}", e.body_text()))
                } else {
                    ApiError::BadRequest(e.body_text())
                }
            })?;
        T::check(raw)
            .map(ValidPath)
            .map_err(|e| ApiError::BadRequest(e.to_string()))
    }
}

/// A JSON body of type `T`.
#[derive(Debug, Clone)]
pub struct ValidJson<T>(pub T);

/// A body that failed to parse is the caller's mistake, said plainly.
pub fn json_rejection(e: JsonRejection) -> ApiError {
    match e.status() {
        http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge { limit: MAX_BODY },
        _ => ApiError::BadRequest(e.body_text()),
    }
}

impl<S, T> FromRequest<S> for ValidJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| ValidJson(v))
            .map_err(json_rejection)
    }
}

/// The query string, read as `T`.
#[derive(Debug, Clone)]
pub struct ValidQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ValidQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ValidQuery(v))
            .map_err(|e| ApiError::BadRequest(e.body_text()))
    }
}
