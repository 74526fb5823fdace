//! The HTML pages people see at the end of a Slack round trip: plain,
//! accessible, no script, every dynamic value escaped, always with a way back
//! to the office.

use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;

pub use hallway::web::escape_html as escape;

/// A page: a heading, a sentence or two, an optional next step, and the way
/// back to the office.
pub struct Page<'a> {
    pub status: StatusCode,
    pub title: &'a str,
    pub message: String,
    /// `(label, href)` of the main next step.
    pub action: Option<(&'a str, String)>,
    pub office_url: &'a str,
}

impl IntoResponse for Page<'_> {
    fn into_response(self) -> Response {
        let action = self
            .action
            .map(|(label, href)| {
                format!(
                    r#"<p><a class="button" href="{}">{}</a></p>"#,
                    escape(&href),
                    escape(label)
                )
            })
            .unwrap_or_default();
        let body = format!(
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · hallway</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; color: #1d1c1d; background: #fff; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; }}
h1 {{ font-size: 1.5rem; }}
a {{ color: #0b4f8a; }}
a.button {{ display: inline-block; background: #0b4f8a; color: #fff; padding: .5rem 1rem; border-radius: .25rem; text-decoration: none; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p>{message}</p>
{action}
<p><a href="{office}">Back to the office</a></p>
</main>
</body>
</html>
"#,
            title = escape(self.title),
            message = escape(&self.message),
            office = escape(self.office_url),
        );
        let mut resp = (self.status, Html(body)).into_response();
        // Pages at the end of OAuth flows must not be cached or framed.
        resp.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
        resp.headers_mut()
            .insert("x-frame-options", http::HeaderValue::from_static("DENY"));
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_dynamic_is_escaped() {
        assert_eq!(
            escape(r#"<b a="x">&'"#),
            "&lt;b a=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[tokio::test]
    async fn pages_carry_the_way_back_and_no_store() {
        let resp = Page {
            status: StatusCode::GONE,
            title: "Link expired",
            message: "<script>".into(),
            action: Some(("Try again", "/slack/login?x=1&y=2".into())),
            office_url: "https://office.example/app",
        }
        .into_response();
        assert_eq!(resp.status(), StatusCode::GONE);
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("&lt;script&gt;"));
        assert!(text.contains(r#"href="/slack/login?x=1&amp;y=2""#));
        assert!(text.contains(r#"href="https://office.example/app""#));
        assert!(text.contains(r#"<html lang="en">"#));
    }
}
