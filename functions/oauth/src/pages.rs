//! The HTML pages people see at the end of a Slack round trip: plain,
//! accessible, no script, always with a way back to the office. They are
//! [`maud`] markup in hallway's page frame ([`hallway::web::page`]), so
//! every dynamic value is escaped.

use axum::response::{IntoResponse, Response};
use hallway::web::page::Layout;
use http::StatusCode;
use maud::html;

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
        let body = Layout::new(self.title, "hallway").narrow().render(html! {
            p { (self.message) }
            @if let Some((label, href)) = &self.action {
                p { a.button href=(href) { (label) } }
            }
            p { a href=(self.office_url) { "Back to the office" } }
        });
        let mut resp = (self.status, body).into_response();
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
        assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
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
