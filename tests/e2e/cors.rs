//! The office app's pages call the API from another origin: a browser's
//! preflight from the app's origin (`HALLWAY_APP_URL`) is answered with the
//! methods and headers the API takes, and its answers carry that origin;
//! another origin gets no CORS headers, so the browser keeps the answer
//! from it; the admin pages, hallway's own, get none.

use hallway_tests::spawn_app;
use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ORIGIN,
};

#[tokio::test]
async fn the_app_origin_is_answered_preflight_included_and_no_other() {
    let Some(app) = spawn_app().await else { return };
    // spawn_app's office app is `{base_url}/app`: its origin is the base.
    let origin = app.base_url.clone();
    let url = format!("{}/api/v1/me", app.base_url);

    let preflight = app
        .http
        .request(http::Method::OPTIONS, &url)
        .header(ORIGIN, &origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let h = preflight.headers();
    assert_eq!(h[ACCESS_CONTROL_ALLOW_ORIGIN], origin.as_str());
    let methods = h[ACCESS_CONTROL_ALLOW_METHODS].to_str().unwrap();
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = h[ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );
    assert_eq!(
        h[ACCESS_CONTROL_MAX_AGE],
        hallway_api::CORS_MAX_AGE_SECS.to_string().as_str()
    );

    // The answer itself (here a 401: no token) carries the origin, so the
    // app can read why.
    let answer = app
        .http
        .get(&url)
        .header(ORIGIN, &origin)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    assert_eq!(
        answer.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
        origin.as_str()
    );

    // Another origin: nothing a browser would accept.
    for req in [
        app.http
            .request(http::Method::OPTIONS, &url)
            .header(ORIGIN, "https://evil.example")
            .header("access-control-request-method", "GET"),
        app.http.get(&url).header(ORIGIN, "https://evil.example"),
    ] {
        let r = req.send().await.unwrap();
        assert!(
            r.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none(),
            "{:?}",
            r.headers()
        );
    }

    // The admin pages are not for other origins.
    let admin = app
        .http
        .get(format!("{}/admin/login", app.base_url))
        .header(ORIGIN, &origin)
        .send()
        .await
        .unwrap();
    assert!(admin.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
}
