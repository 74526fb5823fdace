//! What Slack sends back to a redirect URI: a code to exchange, or an
//! error, with the flow's state. A person who cancels or refuses comes back
//! with `?error=access_denied&state=…` (sometimes `&error_description=…`)
//! and no code (OAuth 2.0, RFC 6749 §4.1.2.1; Slack's OAuth and Sign in
//! with Slack follow it: docs.slack.dev/authentication/installing-with-oauth,
//! and `../shared/reference/slack-platform.md`). A URL with neither is
//! hand-made or cut short.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query};
use http::request::Parts;

/// A callback's query, by what it carries. An `error` wins over a `code`
/// sent beside it: Slack authorized nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    Code {
        code: String,
        state: Option<String>,
    },
    Error {
        error: AuthorizeError,
        state: Option<String>,
    },
    Neither {
        state: Option<String>,
    },
}

/// Why Slack sent the person back without a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// The person cancelled or refused: nothing went wrong.
    AccessDenied,
    /// Any other code, as Slack sent it.
    Unknown(String),
}

impl AuthorizeError {
    pub fn as_str(&self) -> &str {
        match self {
            AuthorizeError::AccessDenied => "access_denied",
            AuthorizeError::Unknown(code) => code,
        }
    }
}

impl std::fmt::Display for AuthorizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Callback {
    pub fn from_query(mut q: HashMap<String, String>) -> Self {
        let state = q.remove("state");
        if let Some(error) = q.remove("error") {
            let error = match error.as_str() {
                "access_denied" => AuthorizeError::AccessDenied,
                _ => AuthorizeError::Unknown(error),
            };
            return Callback::Error { error, state };
        }
        match q.remove("code").filter(|c| !c.is_empty()) {
            Some(code) => Callback::Code { code, state },
            None => Callback::Neither { state },
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Callback {
    type Rejection = QueryRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(q) = Query::<HashMap<String, String>>::from_request_parts(parts, state).await?;
        Ok(Callback::from_query(q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Callback {
        Callback::from_query(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_callback_is_a_code_an_error_or_neither() {
        let state = Some("s".to_string());
        assert_eq!(
            parse(&[("code", "c"), ("state", "s")]),
            Callback::Code {
                code: "c".into(),
                state: state.clone()
            }
        );
        assert_eq!(
            parse(&[
                ("error", "access_denied"),
                ("state", "s"),
                ("error_description", "x")
            ]),
            Callback::Error {
                error: AuthorizeError::AccessDenied,
                state: state.clone()
            }
        );
        assert_eq!(
            parse(&[("error", "invalid_scope"), ("code", "c")]),
            Callback::Error {
                error: AuthorizeError::Unknown("invalid_scope".into()),
                state: None
            }
        );
        assert_eq!(
            parse(&[("code", ""), ("state", "s")]),
            Callback::Neither { state }
        );
        assert_eq!(parse(&[]), Callback::Neither { state: None });
    }
}
