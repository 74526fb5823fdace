//! The admin page over HTTP: logging in with the API token once (then an
//! HttpOnly, Secure, SameSite=Strict cookie), the page's sections, and its
//! forms doing the same work as the JSON API; a foreign origin or no login
//! changes nothing. (The browser test drives it in Chromium.)

use hallway::store::Role;
use hallway_tests::{TestApp, eventually};
use http::StatusCode;

use crate::commands::{Office, bridged_office, fill_directory};
use crate::demo::{CAROL, from_app};

async fn app() -> Option<(TestApp, Office)> {
    let (app, o) = bridged_office(&[]).await?;
    fill_directory(&app, &o).await;
    Some((app, o))
}

/// Logs in with `token`; returns the status and the cookie set, if any.
async fn login(app: &TestApp, o: &Office, token: &str) -> (StatusCode, Option<String>) {
    let resp = app
        .http
        .post(app.url("/admin/login"))
        .form(&[("token", token), ("space", o.hq.as_str())])
        .send()
        .await
        .unwrap();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned());
    (resp.status(), cookie)
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, String) {
    let resp = app
        .http
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

async fn act(
    app: &TestApp,
    o: &Office,
    cookie: &str,
    form: &[(&str, &str)],
    origin: Option<&str>,
) -> (StatusCode, String) {
    let mut req = app
        .http
        .post(app.url(&format!("/admin/spaces/{}/action", o.hq)))
        .header("cookie", cookie)
        .form(form);
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    let resp = req.send().await.unwrap();
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (resp.status(), location)
}

#[tokio::test]
async fn an_admin_logs_in_once_and_manages_people_sync_from_the_page() {
    let Some((app, o)) = app().await else {
        return;
    };
    // No login, a bad token, a member's token: nothing opens.
    let (code, body) = get(&app, &format!("/admin/spaces/{}", o.hq), "").await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert!(body.contains(r#"href="/admin/login""#));
    assert_eq!(
        login(&app, &o, "not-a-token").await.0,
        StatusCode::UNAUTHORIZED
    );
    let member = app.token("bob", &[(&o.hq, Role::Member)]);
    assert_eq!(login(&app, &o, &member).await.0, StatusCode::FORBIDDEN);

    let admin = app.token("ada", &[(&o.hq, Role::Admin)]);
    let (code, set) = login(&app, &o, &admin).await;
    assert_eq!(code, StatusCode::SEE_OTHER);
    let set = set.expect("a cookie");
    for attr in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/admin",
        "Max-Age=",
    ] {
        assert!(set.contains(attr), "{attr} in {set}");
    }
    let cookie = set.split(';').next().unwrap().to_owned();

    let (code, html) = get(&app, &format!("/admin/spaces/{}", o.hq), &cookie).await;
    assert_eq!(code, StatusCode::OK, "{html}");
    for part in [
        "Connection",
        "Connected to the Slack workspace <strong>Acme</strong>",
        "People sync",
        "Audit log",
        r#"<label for="f-status">"#,
        r#"<label for="auto_prompt">"#,
        "Carol",
        "Prompt everyone not linked",
    ] {
        assert!(html.contains(part), "{part} missing");
    }
    // Filtered: only those not linked.
    let (_, off) = get(
        &app,
        &format!("/admin/spaces/{}?status=off&type=&platform=", o.hq),
        &cookie,
    )
    .await;
    assert!(
        off.contains("Carol") && !off.contains(">Alice<"),
        "filter applied"
    );

    // Prompt Carol from the page.
    let (code, to) = act(
        &app,
        &o,
        &cookie,
        &[("action", "prompt"), ("user", CAROL)],
        None,
    )
    .await;
    assert_eq!(code, StatusCode::SEE_OTHER);
    assert!(to.contains("done=Prompt+queued+for+Carol"), "{to}");
    eventually("Carol prompted", || async {
        from_app(&app, CAROL).len() == 1
    })
    .await;
    // Again: the page says why not.
    let (_, to) = act(
        &app,
        &o,
        &cookie,
        &[("action", "prompt"), ("user", CAROL)],
        None,
    )
    .await;
    assert!(to.contains("error="), "{to}");

    // Auto-prompt on (the checkbox), require-invitation off.
    let (_, to) = act(
        &app,
        &o,
        &cookie,
        &[("action", "settings"), ("auto_prompt", "on")],
        Some(app.base_url.as_str()),
    )
    .await;
    assert!(to.contains("auto-prompt+on"), "{to}");
    let space = app.services.spaces().get(&o.hq).await.unwrap().unwrap();
    assert!(space.auto_prompt && !space.require_invitation);

    // From another site: refused, nothing changed.
    let (code, _) = act(
        &app,
        &o,
        &cookie,
        &[("action", "settings")],
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert!(
        app.services
            .spaces()
            .get(&o.hq)
            .await
            .unwrap()
            .unwrap()
            .auto_prompt
    );
    // Without the cookie: not logged in.
    let (code, _) = act(&app, &o, "", &[("action", "prompt_all")], None).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);

    // The audit log on the page has both actions.
    let (_, html) = get(&app, &format!("/admin/spaces/{}", o.hq), &cookie).await;
    assert!(html.contains("settings.update") && html.contains("sync.prompt"));
    // Logging out clears the cookie.
    let resp = app
        .http
        .post(app.url("/admin/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
}
