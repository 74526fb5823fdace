//! The browser session: after a Slack sign-in (or a link), hallway sets a
//! cookie so a later join link knows who opens it. The cookie holds an HS256
//! JWT under the browser subkey with the office user and the session id; it
//! is HttpOnly, SameSite=Lax (it must survive the redirect back from Slack)
//! and Secure whenever the public base URL is https.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
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

    /// The cookie of a new session.
    pub fn cookie(&self, claims: &BrowserClaims) -> Cookie<'static> {
        let mut cookie = Cookie::build((COOKIE, self.jwt.issue(claims)))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .max_age(time::Duration::seconds(BROWSER_SESSION_TTL_SECS))
            .build();
        if self.secure {
            cookie.set_secure(true);
        }
        cookie
    }

    /// The session in the request's cookies, if any and valid (the caller
    /// still checks that it is the user's live session).
    pub fn read(&self, jar: &CookieJar) -> Option<BrowserClaims> {
        self.jwt.decode(jar.get(COOKIE)?.value()).ok()
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
        let set = b.cookie(&claims).to_string();
        for attr in [
            "Path=/",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            &format!("Max-Age={BROWSER_SESSION_TTL_SECS}"),
        ] {
            assert!(set.contains(attr), "{attr} in {set}");
        }
        let value = set.split(';').next().unwrap();
        let jar = |cookie: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert(http::header::COOKIE, cookie.parse().unwrap());
            CookieJar::from_headers(&headers)
        };
        assert_eq!(b.read(&jar(&format!("a=b; {value}"))), Some(claims));
        assert_eq!(b.read(&jar("hallway_session=junk")), None);
        assert_eq!(b.read(&CookieJar::new()), None);
        let local = BrowserSessions::new(&Secret::new("k"), false);
        assert!(
            !local
                .cookie(&BrowserClaims {
                    sub: OfficeUserId::new("u").unwrap(),
                    sid: "s".into(),
                    exp: 1
                })
                .to_string()
                .contains("Secure")
        );
    }
}
