//! The admin page over HTTP: logging in with the API token once (then an
//! HttpOnly, Secure, SameSite=Strict cookie), the page's sections, and its
//! forms doing the same work as the JSON API; a foreign origin or no login
//! changes nothing. (The browser test drives it in Chromium.)

use hallway::store::Role;
use hallway_tests::{AppOptions, TestApp, eventually, spawn_app_with};
use http::StatusCode;

use hallway_tests::demo::{CAROL, from_app};
use hallway_tests::demo::{Office, bridged_office, fill_directory, office};

async fn app() -> Option<(TestApp, Office)> {
    let (app, o) = bridged_office(&[]).await?;
    fill_directory(&app, &o).await;
    Some((app, o))
}

/// The office, on an origin of its own as when deployed.
const OFFICE: &str = "https://office.example";

async fn app_with_office_apart() -> Option<(TestApp, Office)> {
    let app = spawn_app_with(AppOptions {
        no_worker: true,
        app_url: Some(format!("{OFFICE}/app")),
        ..AppOptions::default()
    })
    .await?;
    let o = office(&app).await;
    Some((app, o))
}

/// Posts the login form with these headers (`origin`, `referer`); returns
/// the status and the cookie set, if any.
async fn login_with(
    app: &TestApp,
    o: &Office,
    token: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Option<String>) {
    let mut req = app
        .http
        .post(app.url("/admin/login"))
        .form(&[("token", token), ("space", o.hq.as_str())]);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.unwrap();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_owned());
    (resp.status(), cookie)
}

/// Logs in with `token` from hallway's own login form.
async fn login(app: &TestApp, o: &Office, token: &str) -> (StatusCode, Option<String>) {
    login_with(app, o, token, &[("origin", &app.base_url)]).await
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

/// Posts an action form with these headers; returns the status and where
/// it leads.
async fn act_with(
    app: &TestApp,
    o: &Office,
    cookie: &str,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut req = app
        .http
        .post(app.url(&format!("/admin/spaces/{}/action", o.hq)))
        .header("cookie", cookie)
        .form(form);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.unwrap();
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (resp.status(), location)
}

async fn act(
    app: &TestApp,
    o: &Office,
    cookie: &str,
    form: &[(&str, &str)],
    origin: &str,
) -> (StatusCode, String) {
    act_with(app, o, cookie, form, &[("origin", origin)]).await
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
        &app.base_url,
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
        &app.base_url,
    )
    .await;
    assert!(to.contains("error="), "{to}");

    // Auto-prompt on (the checkbox), require-invitation off.
    let (_, to) = act(
        &app,
        &o,
        &cookie,
        &[("action", "settings"), ("auto_prompt", "on")],
        &app.base_url,
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
        "https://evil.example",
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
    let (code, _) = act(&app, &o, "", &[("action", "prompt_all")], &app.base_url).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);

    // The audit log on the page has both actions.
    let (_, html) = get(&app, &format!("/admin/spaces/{}", o.hq), &cookie).await;
    assert!(html.contains("settings.update") && html.contains("sync.prompt"));
    // Logging out from another site is refused; from the page, it clears
    // the cookie.
    let resp = app
        .http
        .post(app.url("/admin/logout"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.headers().get("set-cookie").is_none());
    let resp = app
        .http
        .post(app.url("/admin/logout"))
        .header("cookie", &cookie)
        .header("origin", &app.base_url)
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

#[tokio::test]
async fn the_office_posts_the_login_and_other_origins_are_refused() {
    let Some((app, o)) = app_with_office_apart().await else {
        return;
    };
    let admin = app.token("ada", &[(&o.hq, Role::Admin)]);
    let hallway = app.base_url.as_str();
    let login_page = format!("{hallway}/admin/login");
    let office_page = format!("{OFFICE}/app/spaces/{}", o.hq);
    // The office's post (README: it posts the admin's token), hallway's own
    // form, and, when a browser sends no Origin, a Referer of either.
    // From the office's own site the answer is a page of hallway's that
    // moves on (a redirect would stay a cross-site navigation, on which
    // browsers leave the SameSite=Strict cookie off); from hallway's, a
    // redirect.
    for (headers, want) in [
        ([("origin", OFFICE)], StatusCode::OK),
        ([("origin", hallway)], StatusCode::SEE_OTHER),
        ([("referer", login_page.as_str())], StatusCode::SEE_OTHER),
        ([("referer", office_page.as_str())], StatusCode::OK),
    ] {
        let (code, set) = login_with(&app, &o, &admin, &headers).await;
        assert_eq!(code, want, "{headers:?}");
        assert!(
            set.is_some_and(|c| c.starts_with("hallway_admin=") && !c.contains("Max-Age=0")),
            "{headers:?}"
        );
    }
    // Another site, by Origin or (without one) by Referer; an opaque origin
    // whatever the Referer says; nothing to tell where it came from.
    for headers in [
        &[("origin", "https://evil.example")][..],
        &[("origin", "https://office.example.evil.example")],
        &[("referer", "https://evil.example/admin/login")],
        &[("origin", "null"), ("referer", login_page.as_str())],
        &[],
    ] {
        let (code, set) = login_with(&app, &o, &admin, headers).await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(set, None, "no cookie: {headers:?}");
    }
}

#[tokio::test]
async fn the_page_forms_are_taken_from_hallway_only() {
    let Some((app, o)) = app_with_office_apart().await else {
        return;
    };
    let admin = app.token("ada", &[(&o.hq, Role::Admin)]);
    let (_, set) = login(&app, &o, &admin).await;
    let cookie = set.expect("a cookie").split(';').next().unwrap().to_owned();
    let hallway = app.base_url.as_str();
    let settings = [("action", "settings"), ("auto_prompt", "on")];
    let auto_prompt = || async {
        app.services
            .spaces()
            .get(&o.hq)
            .await
            .unwrap()
            .unwrap()
            .auto_prompt
    };
    assert!(!auto_prompt().await);
    // The office may post the login only; another site; another site's
    // Referer without Origin; neither header.
    for headers in [
        &[("origin", OFFICE)][..],
        &[("referer", &format!("{OFFICE}/app"))],
        &[("origin", "https://evil.example")],
        &[("referer", "https://evil.example/x")],
        &[],
    ] {
        let (code, _) = act_with(&app, &o, &cookie, &settings, headers).await;
        assert_eq!(code, StatusCode::FORBIDDEN, "{headers:?}");
    }
    assert!(!auto_prompt().await, "nothing changed");
    // A browser that sends no Origin but hallway's page as the Referer.
    let page = format!("{hallway}/admin/spaces/{}", o.hq);
    let (code, to) = act_with(&app, &o, &cookie, &settings, &[("referer", &page)]).await;
    assert_eq!(code, StatusCode::SEE_OTHER);
    assert!(to.contains("auto-prompt+on"), "{to}");
    assert!(auto_prompt().await);
}
