//! The frame of every page hallway serves (the admin page, the ends of the
//! Slack round trips, the local office stand-in): one document shape and
//! one stylesheet, so the pages look like one product and a change to either
//! happens once. Pages are [`maud`] markup: every value is escaped unless a
//! page says otherwise, and a `Markup` is an axum response.

use maud::{DOCTYPE, Markup, PreEscaped, html};

/// The stylesheet, inlined into each page: the pages load nothing else.
pub const STYLE: &str = include_str!("style.css");

/// A page's frame: its `<head>`, an optional banner, and the heading, which
/// is always the title.
pub struct Layout<'a> {
    lang: &'a str,
    title: &'a str,
    site: &'a str,
    banner: Option<&'a str>,
    refresh: Option<&'a str>,
    narrow: bool,
    after_main: Option<Markup>,
}

impl<'a> Layout<'a> {
    /// `title` is the heading; the window's title adds `site` (which of
    /// hallway's pages these are).
    pub fn new(title: &'a str, site: &'a str) -> Self {
        Self {
            lang: "en",
            title,
            site,
            banner: None,
            refresh: None,
            narrow: false,
            after_main: None,
        }
    }

    /// The page's language, a BCP 47 tag (`<html lang>`): "en" unless a
    /// page says otherwise.
    pub fn lang(mut self, tag: &'a str) -> Self {
        self.lang = tag;
        self
    }

    /// A line above the heading saying whose page this is.
    pub fn banner(mut self, text: &'a str) -> Self {
        self.banner = Some(text);
        self
    }

    /// Moves on to `url` at once, without script.
    pub fn refresh(mut self, url: &'a str) -> Self {
        self.refresh = Some(url);
        self
    }

    /// A page that says one thing reads better in a narrow column.
    pub fn narrow(mut self) -> Self {
        self.narrow = true;
        self
    }

    /// Markup after the main content, outside `<main>`.
    pub fn after_main(mut self, markup: Markup) -> Self {
        self.after_main = Some(markup);
        self
    }

    pub fn render(self, main: Markup) -> Markup {
        html! {
            (DOCTYPE)
            html lang=(self.lang) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    @if let Some(url) = self.refresh {
                        meta http-equiv="refresh" content={ "0;url=" (url) };
                    }
                    title { (self.title) " · " (self.site) }
                    style { (PreEscaped(STYLE)) }
                }
                body class=[self.narrow.then_some("narrow")] {
                    @if let Some(banner) = self.banner {
                        header { p.muted { (banner) } }
                    }
                    main {
                        h1 { (self.title) }
                        (main)
                    }
                    @if let Some(after) = self.after_main {
                        (after)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_escapes_what_it_is_given() {
        let page = Layout::new(r#"<b a="x">&'"#, "hallway")
            .banner("a < b")
            .refresh("/next?a=1&b=2")
            .narrow()
            .render(html! { p { "body" } })
            .into_string();
        assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
        assert!(page.contains(r#"<html lang="en">"#), "{page}");
        assert!(
            page.contains("<h1>&lt;b a=&quot;x&quot;&gt;&amp;'</h1>"),
            "{page}"
        );
        assert!(
            page.contains(r#"content="0;url=/next?a=1&amp;b=2""#),
            "{page}"
        );
        assert!(page.contains(r#"<body class="narrow">"#), "{page}");
        assert!(page.contains("<p class=\"muted\">a &lt; b</p>"), "{page}");
    }

    #[test]
    fn a_page_can_say_its_language() {
        let page = Layout::new("Hej", "hallway")
            .lang("sv")
            .render(html! { p { "body" } })
            .into_string();
        assert!(page.contains(r#"<html lang="sv">"#), "{page}");
    }
}
