//! Who is calling, and what they may do.
//!
//! # Layout
//! - [`keys`]: one HMAC subkey per purpose, derived from
//!   `HALLWAY_APP_JWT_SECRET`, so a token made for one purpose (a join link, a
//!   browser session, an OAuth state) is never accepted for another.
//! - [`app_jwt`]: the office app's bearer tokens (HS256 with the shared
//!   secret itself) and the session tokens hallway issues after Sign in with
//!   Slack.
//! - [`state`]: signed OAuth `state` values.
//! - [`join`]: signed, expiring join links.
//! - [`browser`]: the browser session cookie set after a Slack sign-in.
//! - [`oidc`]: Sign in with Slack id_token validation against Slack's JWKS.

pub mod app_jwt;
pub mod browser;
pub mod join;
pub mod keys;
pub mod oidc;
pub mod state;

pub use app_jwt::{AppClaims, AppJwt, AuthError};
