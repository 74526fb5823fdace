//! What every HTTP function shares: the one place errors become responses
//! ([`error`]), the span and metrics of each request ([`trace`]), and the
//! frame and stylesheet of the HTML pages ([`page`]).

pub mod error;
pub mod page;
pub mod trace;

pub use error::ApiError;
pub use trace::{record_request, request_span, trace_layer};

/// Escapes text for HTML element content and attribute values (the pages
/// hallway serves: OAuth outcomes, the admin page, the local office).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
