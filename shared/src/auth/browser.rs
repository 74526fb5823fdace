//! The browser session: after a Slack sign-in (or a link), hallway sets a
//! cookie so a later join link knows who opens it. The cookie holds an HS256
//! JWT under the browser subkey with the office user and the session id; it
//! is HttpOnly, SameSite=Lax (it must survive the redirect back from Slack)
//! and Secure whenever the public base URL is https.

use serde::{Deserialize, Serialize};

use crate::auth::app_jwt::AppJwt;
use crate::auth::keys::Purpose;
use crate::ids::OfficeUserId;
use crate::secrets::Secret;

pub const COOKIE: &str = "hallway_session";
pub const BROWSER_SESSION_TTL_SECS: i64 = 30 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserClaims {
    pub sub: OfficeUserId,
    pub sid: String,
    pub exp: i64,
}

pub struct BrowserSessions {
    jwt: AppJwt,
    secure: bool,
}

impl BrowserSessions {
    pub fn new(secret: &Secret, https: bool) -> Self {
        Self {
            jwt: AppJwt::for_purpose(secret, Purpose::Browser),
            secure: https,
        }
    }

    /// A `Set-Cookie` value for a new session.
    pub fn set_cookie(&self, claims: &BrowserClaims) -> String {
        format!(
            "{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={BROWSER_SESSION_TTL_SECS}{}",
            self.jwt.issue(claims),
            if self.secure { "; Secure" } else { "" }
        )
    }

    /// The session in a `Cookie` header, if any and valid (the caller still
    /// checks that it is the user's live session).
    pub fn read(&self, cookie_header: Option<&str>) -> Option<BrowserClaims> {
        let value = cookie_header?
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == COOKIE)?
            .1;
        self.jwt.decode(value).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_round_trip_and_carry_their_flags() {
        let b = BrowserSessions::new(&Secret::new("k"), true);
        let claims = BrowserClaims {
            sub: OfficeUserId::new("u1").unwrap(),
            sid: "s".into(),
            exp: i64::MAX / 2,
        };
        let set = b.set_cookie(&claims);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Secure"));
        let value = set.split(';').next().unwrap();
        assert_eq!(b.read(Some(&format!("a=b; {value}"))), Some(claims));
        assert_eq!(b.read(Some("hallway_session=junk")), None);
        assert_eq!(b.read(None), None);
        let local = BrowserSessions::new(&Secret::new("k"), false);
        assert!(
            !local
                .set_cookie(&BrowserClaims {
                    sub: OfficeUserId::new("u").unwrap(),
                    sid: "s".into(),
                    exp: 1
                })
                .contains("Secure")
        );
    }
}
