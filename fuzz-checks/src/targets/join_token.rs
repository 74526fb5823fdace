//! Join links: arbitrary tokens are never accepted (only the app signs
//! them), a genuine token with any byte changed is refused, and opening
//! any of them through `GET /join/{token}` is never a 5xx or a panic.

use crate::{assert_no_server_error, encode, harness, send};
use hallway::auth::join::JoinClaims;
use hallway::ids::{RoomId, SpaceId};

/// One input: what must hold, asserted.
pub fn check(input: (String, u16, u8)) {
    let (raw, at, flip) = input;
    let links = &harness().services.join_links;
    assert!(
        links.verify(&raw).is_err() || raw.split('.').count() == 3,
        "accepted {raw:?}"
    );
    let genuine = links.token(&JoinClaims {
        space: SpaceId::new("01fuzzspace000000000000000000000").unwrap(),
        room: RoomId::new("01fuzzroom0000000000000000000000").unwrap(),
        invite: None,
        guest: false,
        exp: 4_000_000_000,
    });
    let mut tampered = genuine.clone().into_bytes();
    let i = usize::from(at) % tampered.len();
    tampered[i] ^= flip.max(1);
    if let Ok(tampered) = String::from_utf8(tampered)
        && tampered != genuine
    {
        // base64url's last character may carry unused bits: a change
        // there can decode to the same signature, which is not forgery.
        let same_bytes =
            links.verify(&tampered).ok() == links.verify(&genuine).ok() && i + 1 == genuine.len();
        assert!(
            links.verify(&tampered).is_err() || same_bytes,
            "a tampered token was accepted: {tampered}"
        );
    }
    for token in [raw.as_str(), genuine.as_str()] {
        let path = encode(token.as_bytes());
        let (status, body) = send(http::Method::GET, &format!("/join/{path}"), &[], Vec::new());
        assert_no_server_error(status, &body, "join link");
    }
}
