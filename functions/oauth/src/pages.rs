//! The HTML pages people see at the end of a Slack round trip: plain,
//! accessible, no script, always with a way back to the office, in the
//! reader's language (`pages.ftl`). They are [`maud`] markup in hallway's
//! page frame ([`hallway::web::page`]), so every dynamic value is escaped.

use axum::response::{IntoResponse, Response};
use hallway::i18n::Locale;
use hallway::t;
use hallway::web::page::Layout;
use http::StatusCode;
use maud::html;

/// A page: a heading, a sentence or two, an optional next step, and the way
/// back to the office.
pub struct Page<'a> {
    /// The reader's language: the page's `lang` and its own words (the
    /// title, message and label come translated).
    pub locale: Locale,
    pub status: StatusCode,
    pub title: String,
    pub message: String,
    /// `(label, href)` of the main next step.
    pub action: Option<(String, String)>,
    pub office_url: &'a str,
}

impl IntoResponse for Page<'_> {
    fn into_response(self) -> Response {
        let back = t!(self.locale, "page-back-to-office");
        let body = Layout::new(&self.title, "hallway")
            .lang(self.locale.tag())
            .narrow()
            .render(html! {
                p { (self.message) }
                @if let Some((label, href)) = &self.action {
                    p { a.button href=(href) { (label) } }
                }
                p { a href=(self.office_url) { (back) } }
            });
        let mut resp = (self.status, body).into_response();
        // Pages at the end of OAuth flows must not be cached or framed.
        resp.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
        resp.headers_mut()
            .insert("x-frame-options", http::HeaderValue::from_static("DENY"));
        // Its language, and that it was chosen by `Accept-Language`.
        resp.headers_mut().insert(
            http::header::CONTENT_LANGUAGE,
            http::HeaderValue::from_static(self.locale.tag()),
        );
        resp.headers_mut().insert(
            http::header::VARY,
            http::HeaderValue::from_static("accept-language"),
        );
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pages_carry_the_way_back_and_no_store() {
        let resp = Page {
            locale: Locale::En,
            status: StatusCode::GONE,
            title: "Link expired".into(),
            message: "<script>".into(),
            action: Some(("Try again".into(), "/slack/login?x=1&y=2".into())),
            office_url: "https://office.example/app",
        }
        .into_response();
        assert_eq!(resp.status(), StatusCode::GONE);
        assert_eq!(resp.headers()["cache-control"], "no-store");
        assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
        assert_eq!(resp.headers()["content-language"], "en");
        assert_eq!(resp.headers()["vary"], "accept-language");
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("&lt;script&gt;"));
        assert!(text.contains(r#"href="/slack/login?x=1&amp;y=2""#));
        assert!(text.contains(r#"href="https://office.example/app""#));
        assert!(text.contains(r#"<html lang="en">"#));
        assert!(text.contains(">Back to the office</a>"), "{text}");
    }

    #[tokio::test]
    async fn a_page_speaks_its_readers_language() {
        let resp = Page {
            locale: Locale::Sv,
            status: StatusCode::OK,
            title: "Hej".into(),
            message: "Allt gick bra.".into(),
            action: None,
            office_url: "https://office.example/app",
        }
        .into_response();
        assert_eq!(resp.headers()["content-language"], "sv");
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains(r#"<html lang="sv">"#), "{text}");
        assert!(text.contains(">Tillbaka till kontoret</a>"), "{text}");
        assert!(!text.contains("Back to the office"), "{text}");
    }

    /// Which language a request's headers ask for.
    #[test]
    fn the_language_is_the_browsers() {
        let with = |value: &str| {
            let mut h = http::HeaderMap::new();
            h.insert(
                http::header::ACCEPT_LANGUAGE,
                http::HeaderValue::from_str(value).unwrap(),
            );
            crate::locale(&h)
        };
        assert_eq!(crate::locale(&http::HeaderMap::new()), Locale::En);
        assert_eq!(with("sv-SE,sv;q=0.9,en-US;q=0.8"), Locale::Sv);
        assert_eq!(with("en-GB,sv;q=0.5"), Locale::En);
        assert_eq!(with("de-DE"), Locale::En);
    }
}
